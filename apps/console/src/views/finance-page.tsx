import { useEffect, useState } from 'preact/hooks';
import type { Api } from '../api';
import type { TrialBalance } from '../ledger-types';
import { ExportPanel } from './export-panel';
import { VerifyPanel } from './verify-panel';

export function FinancePage({ api }: { api: Api }) {
  return (
    <>
      <h1>Finance</h1>
      <TrialBalancePanel api={api} />
      <VerifyPanel api={api} />
      <ExportPanel api={api} />
    </>
  );
}

type Loaded =
  | { readonly kind: 'loading' }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'ok'; readonly balance: TrialBalance };

function TrialBalancePanel({ api }: { api: Api }) {
  const [loaded, setLoaded] = useState<Loaded>({ kind: 'loading' });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let live = true;
    setLoaded({ kind: 'loading' });
    api.get<TrialBalance>('/v1/finance/trial-balance').then(
      (balance) => live && setLoaded({ kind: 'ok', balance }),
      (error: unknown) => live && setLoaded({ kind: 'error', message: (error as Error).message }),
    );
    return () => {
      live = false;
    };
  }, [api, generation]);
  return (
    <section class="panel" aria-labelledby="tb-title">
      <h2 id="tb-title">Trial balance</h2>
      <button type="button" onClick={() => setGeneration(generation + 1)}>
        Refresh
      </button>
      {loaded.kind === 'loading' && <p role="status">Loading…</p>}
      {loaded.kind === 'error' && (
        <p class="message" role="alert">
          {loaded.message}
        </p>
      )}
      {loaded.kind === 'ok' && (
        <div class="table-wrap">
          <table data-testid="trial-balance">
            <caption>At log position {loaded.balance.position}</caption>
            <thead>
              <tr>
                <th scope="col">Ledger account</th>
                <th scope="col" class="num">
                  Balance (credits)
                </th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(loaded.balance.ledgerAccounts)
                .sort(([a], [b]) => a.localeCompare(b))
                .map(([name, balance]) => (
                  <tr key={name}>
                    <th scope="row">
                      <code>{name}</code>
                    </th>
                    <td class="num">{balance}</td>
                  </tr>
                ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">Total (always 0)</th>
                <td class="num" data-testid="trial-balance-total">
                  {loaded.balance.total}
                </td>
              </tr>
            </tfoot>
          </table>
        </div>
      )}
    </section>
  );
}
