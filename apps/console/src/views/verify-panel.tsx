import { useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from '../api';
import type { VerificationState, VerifyReport } from '../ledger-types';
import { utc } from '../format';
import { replayedPerMille, type VerifyProgress } from '../verify-progress';

/** How often the page asks GET /v1/finance/verify/progress while a verification runs. */
const POLL_MS = 500;
const PROGRESS = '/v1/finance/verify/progress';

type Run =
  | { readonly kind: 'idle' }
  | { readonly kind: 'running'; readonly progress: VerifyProgress | null; readonly queued: number }
  | { readonly kind: 'done'; readonly report: VerifyReport }
  | { readonly kind: 'error'; readonly message: string };

const PHASES: Record<VerifyProgress['phase'], string> = {
  'waiting-for-live': 'Waiting for the live read models to reach the log head',
  replaying: 'Replaying the log into fresh read models',
  comparing: 'Comparing the replay with the live read models, row by row',
};

export function VerifyPanel({ api }: { api: Api }) {
  const [run, setRun] = useState<Run>({ kind: 'idle' });
  const polling = useRef<number | undefined>(undefined);
  useEffect(() => () => clearInterval(polling.current), []);
  const onServer = useServerVerification(api, run.kind);

  const start = async () => {
    setRun({ kind: 'running', progress: null, queued: 0 });
    polling.current = window.setInterval(() => {
      api.get<VerificationState>(PROGRESS).then(
        (state) =>
          setRun((now) =>
            now.kind === 'running'
              ? { kind: 'running', progress: state.progress, queued: state.queued }
              : now,
          ),
        () => undefined, // The verification's own answer says what went wrong; a missed poll is not news.
      );
    }, POLL_MS);
    try {
      const report = await api.post<VerifyReport>('/v1/finance/verify');
      setRun({ kind: 'done', report });
    } catch (error) {
      setRun({ kind: 'error', message: (error as Error).message });
    } finally {
      clearInterval(polling.current);
    }
  };

  return (
    <section class="panel" aria-labelledby="verify-title">
      <h2 id="verify-title">Verification</h2>
      <p>
        Replays the whole log into fresh read models and compares them with the live ones (SPEC §5). It runs
        on the server&apos;s own thread; one at a time.
      </p>
      <button type="button" onClick={start} disabled={run.kind === 'running'}>
        Run verification
      </button>
      {run.kind === 'idle' && onServer?.running && (
        <>
          <p>
            A verification started at {utc(onServer.startedAt)} is running (from another session or tool).
          </p>
          <Running progress={onServer.progress} queued={onServer.queued} />
        </>
      )}
      {run.kind === 'idle' && !onServer?.running && onServer?.last && (
        <p class="note" data-testid="verify-last">
          Last verification: {onServer.last.ok ? 'passed' : 'found differences'}, finished{' '}
          {utc(onServer.last.finishedAt)} at position {onServer.last.position}.
        </p>
      )}
      {run.kind === 'running' && <Running progress={run.progress} queued={run.queued} />}
      {run.kind === 'error' && (
        <p class="message" role="alert">
          {run.message}
        </p>
      )}
      {run.kind === 'done' && <Result report={run.report} />}
    </section>
  );
}

/**
 * What the server says about verifications while this page is not running one: one running from
 * elsewhere (watched until it ends), and the last result.
 */
function useServerVerification(api: Api, runKind: Run['kind']): VerificationState | null {
  const [state, setState] = useState<VerificationState | null>(null);
  useEffect(() => {
    if (runKind === 'running') return;
    let live = true;
    let timer: number | undefined;
    const look = () =>
      api.get<VerificationState>(PROGRESS).then(
        (now) => {
          if (!live) return;
          setState(now);
          if (now.running) timer = window.setTimeout(look, POLL_MS);
        },
        () => undefined, // Only a display of someone else's run: nothing to act on.
      );
    void look();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, runKind]);
  return state;
}

function Running({ progress, queued }: { progress: VerifyProgress | null; queued: number }) {
  const perMille = replayedPerMille(progress);
  const label =
    progress === null
      ? queued > 0
        ? `Waiting: ${queued} verification(s) ahead`
        : 'Starting'
      : `${PHASES[progress.phase]}: ${progress.eventsReplayed} events replayed`;
  return (
    <div class="progress" role="status" data-testid="verify-running">
      <label for="verify-progress">{label}</label>
      {perMille === undefined ? (
        // No measurable fraction in this phase: an honest indeterminate bar, not an invented one.
        <progress id="verify-progress" aria-describedby="verify-note" />
      ) : (
        <progress id="verify-progress" max={1000} value={perMille}>
          {Math.floor(perMille / 10)}%
        </progress>
      )}
      <p id="verify-note" class="help">
        {perMille === undefined
          ? 'This phase reports no fraction done; the bar moves once replay positions are known.'
          : `position ${progress?.position} of ${progress?.target}`}
      </p>
    </div>
  );
}

function Result({ report }: { report: VerifyReport }) {
  return (
    <div class={report.ok ? 'result ok' : 'result bad'} role="status" data-testid="verify-result">
      <p>
        <strong>{report.ok ? 'Verification passed' : 'Verification found differences'}</strong>:{' '}
        {report.eventsReplayed} events replayed, compared at position {report.position};{' '}
        {report.mismatches.length}
        {report.truncated ? '+' : ''} mismatch(es).
      </p>
      {report.mismatches.length > 0 && (
        <details>
          <summary>Show the mismatches</summary>
          <pre>{JSON.stringify(report.mismatches.slice(0, 50), null, 2)}</pre>
        </details>
      )}
    </div>
  );
}
