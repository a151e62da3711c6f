import { useEffect, useState } from 'preact/hooks';
import { ApiError, apiFor, type Api } from './api';
import type { Role, Session } from './ledger-types';
import { hrefOf, useRoute, VIEWS, type ViewId } from './route';
import { forgetKey, storedKey, storeKey } from './session-key';
import { AccountPage } from './views/account-page';
import { FinancePage } from './views/finance-page';
import { OperatorsPage } from './views/operators-page';
import { OrganizationPage } from './views/organization-page';
import { SignIn } from './views/sign-in';

export interface SignedIn {
  readonly api: Api;
  readonly session: Session;
}

function viewsFor(roles: readonly Role[]) {
  return VIEWS.filter((view) => view.roles.some((role) => (roles as readonly string[]).includes(role)));
}

export function App() {
  const [signedIn, setSignedIn] = useState<SignedIn | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [restoring, setRestoring] = useState(() => storedKey() !== null);

  const signIn = async (key: string): Promise<void> => {
    const api = apiFor(key);
    try {
      const session = await api.get<Session>('/console/api/session');
      storeKey(key);
      setMessage(null);
      setSignedIn({ api, session });
    } catch (error) {
      forgetKey();
      setMessage(error instanceof ApiError ? error.message : String(error));
    }
  };

  useEffect(() => {
    const key = storedKey();
    if (key !== null) void signIn(key).finally(() => setRestoring(false));
  }, []);

  const signOut = () => {
    forgetKey();
    setSignedIn(null);
    setMessage('Signed out. The key is no longer kept in this tab.');
  };

  if (restoring)
    return (
      <p class="loading" role="status">
        Signing in…
      </p>
    );
  if (signedIn === null) return <SignIn onSignIn={signIn} message={message} />;
  return <Console signedIn={signedIn} onSignOut={signOut} />;
}

function Console({ signedIn, onSignOut }: { signedIn: SignedIn; onSignOut: () => void }) {
  const route = useRoute();
  const views = viewsFor(signedIn.session.roles);
  const current: ViewId | undefined = route.view ?? (route.raw === '' ? views[0]?.id : undefined);
  const skipToMain = (event: Event) => {
    // Not an href="#main": the hash is the route.
    event.preventDefault();
    document.getElementById('main')?.focus();
  };
  return (
    <>
      <a class="skip" href="#" onClick={skipToMain}>
        Skip to content
      </a>
      <header class="top">
        <p class="brand">Ledger console</p>
        <nav aria-label="Views">
          <ul>
            {views.map((view) => (
              <li key={view.id}>
                <a href={hrefOf(view.id)} aria-current={current === view.id ? 'page' : undefined}>
                  {view.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <p class="who">
          Key <code>{signedIn.session.keyId}</code> · {signedIn.session.roles.join(', ')}{' '}
          <button type="button" class="link" onClick={onSignOut}>
            Sign out
          </button>
        </p>
      </header>
      <main id="main" tabIndex={-1}>
        <ViewOrRefusal signedIn={signedIn} view={current} param={route.param} />
      </main>
    </>
  );
}

function ViewOrRefusal({
  signedIn,
  view,
  param,
}: {
  signedIn: SignedIn;
  view: ViewId | undefined;
  param?: string;
}) {
  const roles = signedIn.session.roles;
  if (view === undefined) {
    if (viewsFor(roles).length === 0)
      return (
        <Refusal title="No view for this key">
          This key has the role {roles.join(', ')}. The console has views for support, finance and admin keys;
          service keys are for the services that record usage.
        </Refusal>
      );
    return <Refusal title="No such view">Choose a view from the menu above.</Refusal>;
  }
  const spec = VIEWS.find((v) => v.id === view)!;
  if (!spec.roles.some((role) => (roles as readonly string[]).includes(role)))
    return (
      <Refusal title={`${spec.label}: not allowed`}>
        Your key ({roles.join(', ')}) may not open the {spec.label} view: it needs the{' '}
        {spec.roles.join(' or ')} role.
      </Refusal>
    );
  if (view === 'account') return <AccountPage signedIn={signedIn} accountId={param} />;
  if (view === 'organization') return <OrganizationPage signedIn={signedIn} orgId={param} />;
  if (view === 'finance') return <FinancePage api={signedIn.api} />;
  return <OperatorsPage api={signedIn.api} />;
}

function Refusal({ title, children }: { title: string; children: preact.ComponentChildren }) {
  return (
    <section class="refusal" role="alert" aria-labelledby="refusal-title">
      <h1 id="refusal-title">{title}</h1>
      <p>{children}</p>
    </section>
  );
}
