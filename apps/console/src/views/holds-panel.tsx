import { useState } from 'preact/hooks';
import { ApiError, segment, type Api } from '../api';
import { utc } from '../format';
import type { AccountView, HoldView } from '../ledger-types';
import { hrefOf } from '../route';
import { IdSearch } from './id-search';

type Found =
  | { readonly kind: 'idle' }
  | { readonly kind: 'loading'; readonly holdId: string }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'ok'; readonly hold: HoldView };

/**
 * The account's holds. The API has no list of an account's open holds (the timeline's `stateAfter`
 * carries what they hold, not their ids, and reading the whole history to find them is what the
 * console never does), so this shows what open holds keep — from GET /v1/accounts/{id} — and finds
 * one hold by its id: GET /v1/holds/{holdId}, which answers whatever account holds it.
 */
export function HoldsPanel({
  api,
  account,
  canLookUp,
}: {
  api: Api;
  account: AccountView;
  canLookUp: boolean;
}) {
  const heldWindows = account.windows.filter((w) => (w.held ?? 0) > 0);
  return (
    <section aria-labelledby="holds-title" class="panel" data-testid="holds">
      <h2 id="holds-title">Holds</h2>
      <dl class="facts">
        <div>
          <dt>Credits held by open holds</dt>
          <dd data-testid="holds-credits">{account.credits.held ?? '0'}</dd>
        </div>
        <div>
          <dt>Units held in windows</dt>
          <dd data-testid="holds-units">
            {heldWindows.length === 0
              ? 'none'
              : heldWindows.map((w) => `${w.product} ${w.window}: ${w.held}`).join(' · ')}
          </dd>
        </div>
      </dl>
      <p class="note">
        The ledger does not list an account's open holds by id: find one by its id below (the id the service
        placed it with).
      </p>
      {canLookUp ? (
        <HoldSearch api={api} accountId={account.accountId} />
      ) : (
        <p class="note">Looking up a hold needs a support key.</p>
      )}
    </section>
  );
}

export function HoldSearch({ api, accountId }: { api: Api; accountId: string }) {
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<Found>({ kind: 'idle' });
  const search = (event: Event) => {
    event.preventDefault();
    const holdId = query.trim();
    if (holdId === '') return;
    setFound({ kind: 'loading', holdId });
    api.get<HoldView>(`/v1/holds/${segment(holdId)}`).then(
      (hold) => setFound({ kind: 'ok', hold }),
      (error: unknown) =>
        setFound({
          kind: 'error',
          message:
            error instanceof ApiError && error.status === 404
              ? `No hold "${holdId}". Check the id (it is exact, case included).`
              : error instanceof Error
                ? error.message
                : String(error),
        }),
    );
  };
  return (
    <>
      <IdSearch
        id="hold-id"
        label="Hold id"
        button="Find hold"
        name="Find a hold"
        value={query}
        onInput={setQuery}
        onSubmit={search}
      />
      {found.kind === 'loading' && <p role="status">Looking up hold {found.holdId}…</p>}
      {found.kind === 'error' && (
        <p class="message" role="alert">
          {found.message}
        </p>
      )}
      {found.kind === 'ok' && <HoldDetails hold={found.hold} currentAccount={accountId} />}
    </>
  );
}

function HoldDetails({ hold, currentAccount }: { hold: HoldView; currentAccount: string }) {
  return (
    <div data-testid="hold-found" aria-live="polite">
      <h3>
        Hold <code>{hold.holdId}</code>
      </h3>
      <dl class="facts">
        <div>
          <dt>Status</dt>
          <dd data-testid="hold-status">{hold.status}</dd>
        </div>
        <div>
          <dt>Account</dt>
          <dd>
            {hold.accountId === currentAccount ? (
              <code>{hold.accountId}</code>
            ) : (
              <a href={hrefOf('account', hold.accountId)}>{hold.accountId}</a>
            )}
          </dd>
        </div>
        <div>
          <dt>Lines</dt>
          <dd>{hold.lines.map((l) => `${l.quantity} × ${l.operation}`).join(', ')}</dd>
        </div>
        <div>
          <dt>Held</dt>
          <dd>
            {hold.held.allowanceUnits} units and {hold.held.credits} credits
          </dd>
        </div>
        <div>
          <dt>Expires</dt>
          <dd>{utc(hold.expiresAt)}</dd>
        </div>
        <div>
          <dt>Settled as usage</dt>
          <dd>{hold.usageId ?? 'not settled'}</dd>
        </div>
      </dl>
      {hold.held.allocations.length > 0 && (
        <table>
          <caption class="visually-hidden">Credits held, by grant</caption>
          <thead>
            <tr>
              <th scope="col">Grant</th>
              <th scope="col" class="num">
                Credits held
              </th>
            </tr>
          </thead>
          <tbody>
            {hold.held.allocations.map((a) => (
              <tr key={a.grantId}>
                <th scope="row">
                  <code>{a.grantId}</code>
                </th>
                <td class="num">{a.credits}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
