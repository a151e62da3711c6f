import { useEffect, useState } from 'preact/hooks';
import { ApiError, segment } from '../api';
import type { SignedIn } from '../app';
import type { AccountView, Session } from '../ledger-types';
import { hrefOf } from '../route';
import { AccountSummary } from './account-summary';
import { BalanceChart } from './balance-chart';
import { HoldsPanel } from './holds-panel';
import { IdSearch } from './id-search';
import { NotificationsPanel } from './notifications-panel';
import { TimelinePanel } from './timeline-panel';

type Loaded =
  | { readonly kind: 'idle' }
  | { readonly kind: 'loading' }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'ok'; readonly account: AccountView; readonly now: string };

export function AccountPage({ signedIn, accountId }: { signedIn: SignedIn; accountId: string | undefined }) {
  const { api, session } = signedIn;
  const [query, setQuery] = useState(accountId ?? '');
  // Finding the account shown again reads it again (the hash, and so accountId, does not change).
  const [generation, setGeneration] = useState(0);
  const requestKey = `${generation}:${accountId}`;
  const [answer, setAnswer] = useState<Loaded & { readonly for?: string }>({ kind: 'idle' });
  // An answer shows only under the account it answers (never the last account under a new id).
  const loaded: Loaded =
    accountId === undefined ? { kind: 'idle' } : answer.for === requestKey ? answer : { kind: 'loading' };
  const readsTimeline = session.roles.some((role) => role === 'support' || role === 'finance');
  // API.md: the notifications are for service and support keys.
  const readsNotifications = session.roles.some((role) => role === 'support');

  useEffect(() => {
    setQuery(accountId ?? '');
    if (accountId === undefined) return;
    let live = true;
    // The ledger's clock with the account: windows reset on its time, which may be a simulated clock.
    Promise.all([
      api.get<AccountView>(`/v1/accounts/${segment(accountId)}`),
      api.get<Session>('/console/api/session'),
    ]).then(
      ([account, now]) => live && setAnswer({ kind: 'ok', account, now: now.now, for: requestKey }),
      (error: unknown) =>
        live &&
        setAnswer({
          kind: 'error',
          for: requestKey,
          message:
            error instanceof ApiError && error.status === 404
              ? `No account "${accountId}". Check the id (it is exact, case included).`
              : error instanceof Error
                ? error.message
                : String(error),
        }),
    );
    return () => {
      live = false;
    };
  }, [accountId, api, generation]);

  const search = (event: Event) => {
    event.preventDefault();
    const id = query.trim();
    if (id === accountId) setGeneration(generation + 1);
    else if (id !== '') location.hash = hrefOf('account', id);
  };

  return (
    <>
      <h1>Accounts</h1>
      <IdSearch
        id="account-id"
        label="Account id"
        button="Find account"
        value={query}
        onInput={setQuery}
        onSubmit={search}
      />
      {loaded.kind === 'loading' && <p role="status">Loading {accountId}…</p>}
      {loaded.kind === 'error' && (
        <p class="message" role="alert">
          {loaded.message}
        </p>
      )}
      {loaded.kind === 'ok' && (
        <>
          <AccountSummary account={loaded.account} now={loaded.now} />
          <HoldsPanel
            api={api}
            account={loaded.account}
            canLookUp={session.roles.some((role) => role === 'support')}
          />
          {readsTimeline ? (
            <>
              <BalanceChart api={api} accountId={loaded.account.accountId} now={loaded.now} />
              <TimelinePanel api={api} accountId={loaded.account.accountId} />
            </>
          ) : (
            <p class="note">The timeline and balance history need a support or finance key.</p>
          )}
          {readsNotifications ? (
            <NotificationsPanel api={api} accountId={loaded.account.accountId} />
          ) : (
            <p class="note">The account's notifications need a support key.</p>
          )}
        </>
      )}
    </>
  );
}
