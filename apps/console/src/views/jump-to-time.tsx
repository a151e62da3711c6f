import { useState } from 'preact/hooks';
import { query, segment, type Api } from '../api';
import { instantOfLocalInput, utc } from '../format';
import type { JournalPage } from '../ledger-types';

/**
 * "Events from": the journal's first entry of this account at or after the instant gives its log
 * position, and the timeline (or the notifications) pages on from there. One small read each.
 */
export function JumpToTime(props: {
  api: Api;
  accountId: string;
  /** Whose journal: an account's (default) or an organisation's. */
  base?: 'accounts' | 'organizations';
  /** The log position of the account's first event at or after `at`. */
  onJump: (at: string, position: string) => void;
  id?: string;
  label?: string;
  button?: string;
}) {
  const id = props.id ?? 'events-from';
  const [input, setInput] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const go = async (event: Event) => {
    event.preventDefault();
    const at = instantOfLocalInput(input);
    if (at === undefined) return setMessage('Give a date and time (UTC).');
    try {
      const path = `/v1/${props.base ?? 'accounts'}/${segment(props.accountId)}/journal${query({ from: at, limit: '1' })}`;
      const found = await props.api.get<JournalPage>(path);
      if (found.items.length === 0) return setMessage(`No events at or after ${utc(at)}.`);
      setMessage(null);
      props.onJump(at, found.items[0].position);
    } catch (error) {
      setMessage((error as Error).message);
    }
  };
  return (
    <form class="as-of" onSubmit={go}>
      <label for={id}>{props.label ?? 'Events from (UTC)'}</label>
      <input
        id={id}
        type="datetime-local"
        step={1}
        value={input}
        onInput={(e) => setInput((e.target as HTMLInputElement).value)}
      />
      <button type="submit">{props.button ?? 'Go to time'}</button>
      {message && (
        <p class="message" role="alert">
          {message}
        </p>
      )}
    </form>
  );
}
