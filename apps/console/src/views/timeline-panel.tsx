import { useEffect, useState } from 'preact/hooks';
import { query, segment, type Api } from '../api';
import { instantOfLocalInput, utc } from '../format';
import type { TimelineItem, TimelinePage, TimelineState } from '../ledger-types';
import { chargeName, isCharge } from './charges';
import { ExplainCharge } from './explain-charge';
import { summaryOf, windowsLine } from './event-summary';
import { JumpToTime } from './jump-to-time';

/** Events per page: a page is one bounded request however long the history (100,000 events or more). */
export const TIMELINE_PAGE_SIZE = 50;

/** An answer, with the request it answers: a page is shown only under the request that asked for it. */
type PageState =
  | { readonly kind: 'loading' }
  | { readonly kind: 'error'; readonly path: string; readonly message: string }
  | { readonly kind: 'ok'; readonly path: string; readonly page: TimelinePage };

/**
 * An account's timeline, or an organisation's (`base` "organizations": the pool's events, its state
 * after each; an organisation has no windows of its own).
 */
export function TimelinePanel({
  api,
  accountId,
  base = 'accounts',
}: {
  api: Api;
  accountId: string;
  base?: 'accounts' | 'organizations';
}) {
  // Cursors of the pages before this one: "previous" pops, "next" pushes. Never an offset.
  const [cursors, setCursors] = useState<readonly (string | undefined)[]>([undefined]);
  const [asOfInput, setAsOfInput] = useState('');
  const [asOf, setAsOf] = useState<string | undefined>(undefined);
  const [answer, setAnswer] = useState<PageState>({ kind: 'loading' });
  const [explained, setExplained] = useState<TimelineItem | null>(null);
  const [asOfError, setAsOfError] = useState<string | null>(null);
  // A page stack that starts at an instant ("events from"), not at the first event.
  const [startedAt, setStartedAt] = useState<string | undefined>(undefined);
  const cursor = cursors[cursors.length - 1];
  const path = `/v1/${base}/${segment(accountId)}/timeline${query({ limit: String(TIMELINE_PAGE_SIZE), cursor, asOf })}`;
  // Until the answer to this very request is in, the previous page is not shown under the new label.
  const state: PageState = answer.kind !== 'loading' && answer.path === path ? answer : { kind: 'loading' };

  useEffect(() => {
    setCursors([undefined]);
    setAsOf(undefined);
    setAsOfInput('');
    setExplained(null);
    setStartedAt(undefined);
  }, [accountId]);

  useEffect(() => {
    let live = true;
    api.get<TimelinePage>(path).then(
      (page) => live && setAnswer({ kind: 'ok', path, page }),
      (error: unknown) => live && setAnswer({ kind: 'error', path, message: (error as Error).message }),
    );
    return () => {
      live = false;
    };
  }, [api, path]);

  const applyAsOf = (event: Event) => {
    event.preventDefault();
    if (asOfInput === '') return clearAsOf();
    const instant = instantOfLocalInput(asOfInput);
    if (instant === undefined) return setAsOfError('Give a date and time (UTC).');
    setAsOfError(null);
    setAsOf(instant);
    setStartedAt(undefined);
    setCursors([undefined]);
  };
  const clearAsOf = () => {
    setAsOfError(null);
    setAsOfInput('');
    setAsOf(undefined);
    setStartedAt(undefined);
    setCursors([undefined]);
  };
  const jumpTo = (at: string, position: string) => {
    // The timeline's cursor is a position: the page after the one before starts at `position`.
    const first = BigInt(position);
    setStartedAt(at);
    setCursors([first > 0n ? String(first - 1n) : undefined]);
  };
  const firstPage = () => {
    setStartedAt(undefined);
    setCursors([undefined]);
  };

  const page = state.kind === 'ok' ? state.page : undefined;
  const pageNumber = cursors.length;
  return (
    <section class="panel" aria-labelledby="timeline-title">
      <h2 id="timeline-title">Timeline</h2>
      <form class="as-of" onSubmit={applyAsOf}>
        <label for="as-of">As of (UTC)</label>
        <input
          id="as-of"
          type="datetime-local"
          step={1}
          value={asOfInput}
          onInput={(e) => setAsOfInput((e.target as HTMLInputElement).value)}
          aria-describedby="as-of-help"
        />
        <button type="submit">Show as of</button>
        {asOf !== undefined && (
          <button type="button" onClick={clearAsOf}>
            Whole history
          </button>
        )}
        <p id="as-of-help" class="help">
          The events up to that instant, and the account as it stood then.
        </p>
        {asOfError && (
          <p class="message" role="alert">
            {asOfError}
          </p>
        )}
      </form>
      {asOf === undefined && <JumpToTime api={api} accountId={accountId} base={base} onJump={jumpTo} />}
      {page?.stateAsOf !== undefined && asOf !== undefined && <StateAsOf at={asOf} state={page.stateAsOf} />}
      <div class="pager" role="group" aria-label="Timeline pages">
        <button type="button" disabled={pageNumber === 1 && startedAt === undefined} onClick={firstPage}>
          First page
          <span class="visually-hidden"> of events</span>
        </button>
        <button type="button" disabled={pageNumber === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous page
          <span class="visually-hidden"> of events</span>
        </button>
        <span aria-live="polite" data-testid="timeline-page">
          Page {pageNumber}
          {startedAt !== undefined ? ` from ${utc(startedAt)}` : ''}
          {page && page.items.length > 0
            ? ` · positions ${page.items[0].position}–${page.items[page.items.length - 1].position}`
            : ''}
        </span>
        <button
          type="button"
          disabled={!page || page.nextCursor === null}
          onClick={() => page?.nextCursor && setCursors([...cursors, page.nextCursor])}
        >
          Next page
          <span class="visually-hidden"> of events</span>
        </button>
      </div>
      {state.kind === 'loading' && <p role="status">Loading events…</p>}
      {state.kind === 'error' && (
        <p class="message" role="alert">
          {state.message}
        </p>
      )}
      {page && <TimelineTable items={page.items} onExplain={setExplained} windows={base === 'accounts'} />}
      {explained && <ExplainCharge item={explained} onClose={() => setExplained(null)} />}
    </section>
  );
}

function StateAsOf({ at, state }: { at: string; state: TimelineState }) {
  return (
    <div class="as-of-state" data-testid="state-as-of" role="status">
      <h3>As of {utc(at)}</h3>
      <p>
        Plan {state.plan ?? '(not open yet)'} · balance {state.balance} credits · {windowsLine(state.windows)}
      </p>
    </div>
  );
}

function TimelineTable({
  items,
  onExplain,
  windows,
}: {
  items: readonly TimelineItem[];
  onExplain: (item: TimelineItem) => void;
  windows: boolean;
}) {
  if (items.length === 0) return <p>No events.</p>;
  return (
    <div class="table-wrap">
      <table class="timeline">
        <caption class="visually-hidden">Events in order, each with the state after it</caption>
        <thead>
          <tr>
            <th scope="col" class="num">
              Position
            </th>
            <th scope="col">Recorded</th>
            <th scope="col">Event</th>
            <th scope="col">Detail</th>
            <th scope="col" class="num">
              Balance after
            </th>
            {windows && <th scope="col">Windows after</th>}
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={item.position} data-position={item.position}>
              <td class="num">{item.position}</td>
              <td>{utc(item.recordedAt)}</td>
              <th scope="row">{item.type}</th>
              <td>{summaryOf(item)}</td>
              <td class="num">{item.stateAfter.balance}</td>
              {windows && <td>{windowsLine(item.stateAfter.windows)}</td>}
              <td>{isCharge(item) && <ExplainButton item={item} onExplain={onExplain} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ExplainButton({ item, onExplain }: { item: TimelineItem; onExplain: (item: TimelineItem) => void }) {
  return (
    <button type="button" class="small" onClick={() => onExplain(item)}>
      Explain<span class="visually-hidden"> {chargeName(item)}</span>
    </button>
  );
}
