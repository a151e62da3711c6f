import { useEffect, useState } from 'preact/hooks';
import { query, segment, type Api } from '../api';
import { plotValue, utc } from '../format';
import type { TimelinePage } from '../ledger-types';

/**
 * Samples of the balance over the account's life: one `asOf` read per sample (an index seek on the
 * server), so the chart costs the same on 100,000 events as on 10 and never loads the history.
 */
export const BALANCE_SAMPLES = 24;
const PARALLEL = 4;

interface Sample {
  readonly at: string;
  readonly balance: string;
}

type ChartState =
  | { readonly kind: 'loading' }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'ok'; readonly samples: readonly Sample[] };

export function instantsBetween(from: string, to: string, count: number): string[] {
  const start = Date.parse(from);
  const end = Math.max(start, Date.parse(to));
  if (end === start) return [new Date(start).toISOString()];
  return Array.from({ length: count + 1 }, (_, i) =>
    new Date(start + Math.round(((end - start) * i) / count)).toISOString(),
  );
}

async function sampleBalances(api: Api, accountId: string, now: string): Promise<Sample[]> {
  const base = `/v1/accounts/${segment(accountId)}/timeline`;
  const first = await api.get<TimelinePage>(`${base}${query({ limit: '1' })}`);
  if (first.items.length === 0) return [];
  const instants = instantsBetween(first.items[0].recordedAt, now, BALANCE_SAMPLES);
  const samples: Sample[] = new Array(instants.length);
  let next = 0;
  const worker = async () => {
    while (next < instants.length) {
      const i = next++;
      const page = await api.get<TimelinePage>(`${base}${query({ asOf: instants[i], limit: '1' })}`);
      samples[i] = { at: instants[i], balance: page.stateAsOf?.balance ?? '0' };
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return samples;
}

export function BalanceChart({ api, accountId, now }: { api: Api; accountId: string; now: string }) {
  const [state, setState] = useState<ChartState>({ kind: 'loading' });
  useEffect(() => {
    let live = true;
    setState({ kind: 'loading' });
    sampleBalances(api, accountId, now).then(
      (samples) => live && setState({ kind: 'ok', samples }),
      (error: unknown) => live && setState({ kind: 'error', message: (error as Error).message }),
    );
    return () => {
      live = false;
    };
  }, [api, accountId, now]);

  return (
    <section class="panel" aria-labelledby="chart-title">
      <h2 id="chart-title">Credit balance over time</h2>
      {state.kind === 'loading' && <p role="status">Sampling the balance…</p>}
      {state.kind === 'error' && (
        <p class="message" role="alert">
          {state.message}
        </p>
      )}
      {state.kind === 'ok' && state.samples.length === 0 && <p>No events yet.</p>}
      {state.kind === 'ok' && state.samples.length > 0 && <Chart samples={state.samples} />}
    </section>
  );
}

const WIDTH = 720;
const HEIGHT = 200;
const PAD = { left: 64, right: 12, top: 12, bottom: 28 };

function Chart({ samples }: { samples: readonly Sample[] }) {
  const values = samples.map((s) => plotValue(s.balance));
  const max = Math.max(...values, 0);
  const top = max === 0 ? 1 : max;
  const x = (i: number) =>
    PAD.left + (samples.length === 1 ? 0 : (i * (WIDTH - PAD.left - PAD.right)) / (samples.length - 1));
  const y = (v: number) => PAD.top + (1 - v / top) * (HEIGHT - PAD.top - PAD.bottom);
  const steps = values.map((v, i) => (i === 0 ? `M${x(0)},${y(v)}` : `H${x(i)}V${y(v)}`)).join('');
  const first = samples[0];
  const last = samples[samples.length - 1];
  const summary = `Credit balance from ${utc(first.at)} (${first.balance}) to ${utc(last.at)} (${last.balance}); highest ${max}.`;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={summary} data-testid="balance-chart">
        <line class="axis" x1={PAD.left} y1={y(0)} x2={WIDTH - PAD.right} y2={y(0)} />
        <line class="axis" x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={y(0)} />
        <text x={PAD.left - 6} y={y(top) + 4} text-anchor="end">
          {String(top)}
        </text>
        <text x={PAD.left - 6} y={y(0) + 4} text-anchor="end">
          0
        </text>
        <text x={PAD.left} y={HEIGHT - 8}>
          {utc(first.at)}
        </text>
        <text x={WIDTH - PAD.right} y={HEIGHT - 8} text-anchor="end">
          {utc(last.at)}
        </text>
        <path class="line" d={steps} />
        {values.map((v, i) => (
          <circle key={samples[i].at} class="dot" cx={x(i)} cy={y(v)} r={2.5} />
        ))}
      </svg>
      <figcaption>
        The balance at {samples.length} evenly spaced instants, from the first event to now (the timeline's
        state as of each).
        <details>
          <summary>Show the figures</summary>
          <table>
            <thead>
              <tr>
                <th scope="col">As of</th>
                <th scope="col" class="num">
                  Balance
                </th>
              </tr>
            </thead>
            <tbody>
              {samples.map((s) => (
                <tr key={s.at}>
                  <td>{utc(s.at)}</td>
                  <td class="num">{s.balance}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      </figcaption>
    </figure>
  );
}
