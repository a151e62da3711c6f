import { useState } from 'preact/hooks';
import { query, type Api } from '../api';
import { instantOfLocalInput } from '../format';

export function ExportPanel({ api }: { api: Api }) {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [format, setFormat] = useState<'csv' | 'jsonl'>('csv');
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const [busy, setBusy] = useState(false);

  const download = async (event: Event) => {
    event.preventDefault();
    const fromAt = from === '' ? undefined : instantOfLocalInput(from);
    const toAt = to === '' ? undefined : instantOfLocalInput(to);
    if ((from !== '' && fromAt === undefined) || (to !== '' && toAt === undefined))
      return setMessage({ text: 'Give dates and times (UTC), or leave them empty.', error: true });
    setBusy(true);
    setMessage(null);
    try {
      // The export needs the key in a header, so it is fetched here, then handed to the browser as a file.
      const blob = await api.download(`/v1/finance/export${query({ from: fromAt, to: toAt, format })}`);
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = `journal${fromAt ? `-from-${fromAt.slice(0, 10)}` : ''}${toAt ? `-to-${toAt.slice(0, 10)}` : ''}.${format}`;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      setMessage({ text: `Downloaded ${link.download} (${blob.size} bytes).`, error: false });
    } catch (error) {
      setMessage({ text: (error as Error).message, error: true });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel" aria-labelledby="export-title">
      <h2 id="export-title">Journal export</h2>
      <form class="grid-form" onSubmit={download}>
        <label for="export-from">From (UTC, inclusive)</label>
        <input
          id="export-from"
          type="datetime-local"
          value={from}
          onInput={(e) => setFrom((e.target as HTMLInputElement).value)}
        />
        <label for="export-to">To (UTC, exclusive)</label>
        <input
          id="export-to"
          type="datetime-local"
          value={to}
          onInput={(e) => setTo((e.target as HTMLInputElement).value)}
        />
        <label for="export-format">Format</label>
        <select
          id="export-format"
          value={format}
          onChange={(e) => setFormat((e.target as HTMLSelectElement).value as 'csv' | 'jsonl')}
        >
          <option value="csv">CSV (one line per posting)</option>
          <option value="jsonl">JSON lines (one entry per line)</option>
        </select>
        <div class="actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Exporting…' : 'Download export'}
          </button>
        </div>
      </form>
      {message && (
        <p class={message.error ? 'message' : 'note'} role={message.error ? 'alert' : 'status'}>
          {message.text}
        </p>
      )}
    </section>
  );
}
