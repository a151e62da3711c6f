import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ApiError, query, segment, type Api, type FieldProblem } from '../api';
import type { SignedIn } from '../app';
import type { CreditRequest, OrganizationView } from '../ledger-types';
import { hrefOf } from '../route';
import { utc } from '../format';
import { GrantsTable } from './account-summary';
import { IdSearch } from './id-search';
import { TimelinePanel } from './timeline-panel';
import {
  approvalEffect,
  describeLimitChange,
  limitOfInput,
  limitPath,
  limitText,
  memberOf,
  requestsInOrder,
  type LimitChange,
  type LimitLevel,
} from './organization-logic';

type Loaded =
  | { readonly kind: 'idle' }
  | { readonly kind: 'loading' }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'ok'; readonly org: OrganizationView };

/** A change an operator made: the view is read again at its log position (never an older view). */
interface Done {
  readonly message: string;
  readonly position: string | undefined;
}

export function OrganizationPage({ signedIn, orgId }: { signedIn: SignedIn; orgId: string | undefined }) {
  const { api, session } = signedIn;
  const [search, setSearch] = useState(orgId ?? '');
  const [generation, setGeneration] = useState(0);
  const [minPosition, setMinPosition] = useState<string | undefined>(undefined);
  const [done, setDone] = useState<Done | null>(null);
  const requestKey = `${generation}:${orgId}:${minPosition}`;
  const [answer, setAnswer] = useState<Loaded & { readonly for?: string }>({ kind: 'idle' });
  const loaded: Loaded =
    orgId === undefined ? { kind: 'idle' } : answer.for === requestKey ? answer : { kind: 'loading' };
  const operates = session.roles.some((role) => role === 'admin');
  const readsTimeline = session.roles.some((role) => role === 'support' || role === 'finance');

  // Another organisation in the address: its own search text, no change message, the latest view.
  // Not on mount (the state starts so): an effect runs after the first paint, and would clear what
  // was typed into the search meanwhile.
  const shownOrg = useRef(orgId);
  useEffect(() => {
    if (shownOrg.current === orgId) return;
    shownOrg.current = orgId;
    setSearch(orgId ?? '');
    setDone(null);
    setMinPosition(undefined);
  }, [orgId]);

  useEffect(() => {
    if (orgId === undefined) return;
    let live = true;
    api.get<OrganizationView>(`/v1/organizations/${segment(orgId)}${query({ minPosition })}`).then(
      (org) => live && setAnswer({ kind: 'ok', org, for: requestKey }),
      (error: unknown) =>
        live &&
        setAnswer({
          kind: 'error',
          for: requestKey,
          message:
            error instanceof ApiError && error.status === 404
              ? `No organisation "${orgId}". Check the id (it is exact, case included).`
              : error instanceof Error
                ? error.message
                : String(error),
        }),
    );
    return () => {
      live = false;
    };
  }, [api, requestKey]);

  const find = (event: Event) => {
    event.preventDefault();
    const id = search.trim();
    if (id === orgId) setGeneration(generation + 1);
    else if (id !== '') location.hash = hrefOf('organization', id);
  };
  const changed = (result: Done) => {
    setDone(result);
    setMinPosition(result.position);
    setGeneration(generation + 1);
  };

  return (
    <>
      <h1>Organisations</h1>
      <IdSearch
        id="organization-id"
        label="Organisation id"
        button="Find organisation"
        value={search}
        onInput={setSearch}
        onSubmit={find}
      />
      {done && (
        <p class="result ok" role="status" data-testid="org-change-done">
          {done.message}
          {done.position !== undefined ? ` (log position ${done.position})` : ''}
        </p>
      )}
      {loaded.kind === 'loading' && <p role="status">Loading {orgId}…</p>}
      {loaded.kind === 'error' && (
        <p class="message" role="alert">
          {loaded.message}
        </p>
      )}
      {loaded.kind === 'ok' && (
        <>
          <OrganizationSummary org={loaded.org} />
          <SpendLimits org={loaded.org} api={api} operates={operates} onChanged={changed} />
          <Members org={loaded.org} />
          <CreditRequests org={loaded.org} api={api} operates={operates} onChanged={changed} />
          {readsTimeline ? (
            <TimelinePanel api={api} accountId={loaded.org.organizationId} base="organizations" />
          ) : (
            <p class="note">The organisation&apos;s timeline needs a support or finance key.</p>
          )}
        </>
      )}
    </>
  );
}

function OrganizationSummary({ org }: { org: OrganizationView }) {
  return (
    <section aria-labelledby="org-title" class="panel">
      <h2 id="org-title">
        Organisation <code>{org.organizationId}</code> · {org.name}
      </h2>
      <dl class="facts">
        <div>
          <dt>Plan</dt>
          <dd data-testid="org-plan">{org.plan}</dd>
        </div>
        <div>
          <dt>Pool balance</dt>
          <dd data-testid="org-balance">{org.credits.balance}</dd>
        </div>
        <div>
          <dt>Credits held</dt>
          <dd data-testid="org-held">{org.credits.held}</dd>
        </div>
        <div>
          <dt>Members</dt>
          <dd>{org.members.length}</dd>
        </div>
        {org.month !== undefined && (
          <div>
            <dt>Month (UTC)</dt>
            <dd>{org.month}</dd>
          </div>
        )}
      </dl>
      <h3>Pool grants</h3>
      <GrantsTable grants={org.credits.grants} />
    </section>
  );
}

function Members({ org }: { org: OrganizationView }) {
  return (
    <section aria-labelledby="members-title" class="panel">
      <h2 id="members-title">Members</h2>
      {org.members.length === 0 ? (
        <p>No members.</p>
      ) : (
        <div class="table-wrap">
          <table data-testid="org-members">
            <caption class="visually-hidden">Members, their group, spend this month and limit</caption>
            <thead>
              <tr>
                <th scope="col">Account</th>
                <th scope="col">Group</th>
                <th scope="col" class="num">
                  Spent this month
                </th>
                <th scope="col">Limit (credits a month)</th>
                <th scope="col" class="num">
                  Remaining
                </th>
              </tr>
            </thead>
            <tbody>
              {org.members.map((m) => (
                <tr key={m.accountId}>
                  <th scope="row">
                    <a href={hrefOf('account', m.accountId)}>{m.accountId}</a>
                  </th>
                  <td>{m.group ?? '—'}</td>
                  <td class="num">{m.spentThisMonth}</td>
                  <td>{limitText(m.limit, m.limitSource)}</td>
                  <td class="num">{m.remainingThisMonth ?? 'unlimited'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

type Step<T> =
  | { readonly kind: 'editing' }
  | { readonly kind: 'confirming'; readonly change: T }
  | { readonly kind: 'sending'; readonly change: T }
  | { readonly kind: 'error'; readonly message: string; readonly fields: readonly FieldProblem[] };

function failure(error: unknown): Step<never> {
  return {
    kind: 'error',
    message: error instanceof Error ? error.message : String(error),
    fields: error instanceof ApiError ? error.fields : [],
  };
}

function SpendLimits(props: {
  org: OrganizationView;
  api: Api;
  operates: boolean;
  onChanged: (done: Done) => void;
}) {
  const { org } = props;
  const groups = Object.entries(org.spendLimits.groups);
  const own = Object.entries(org.spendLimits.members ?? {});
  return (
    <section aria-labelledby="limits-title" class="panel">
      <h2 id="limits-title">Spend limits</h2>
      <p class="note">
        Credits per member per UTC month. The most specific level set wins: the member&apos;s own limit, else
        its group&apos;s, else the default, else unlimited.
      </p>
      <dl class="facts" data-testid="org-limits">
        <div>
          <dt>Default</dt>
          <dd>{org.spendLimits.default ?? 'none'}</dd>
        </div>
        <div>
          <dt>Groups</dt>
          <dd>{groups.length === 0 ? 'none' : groups.map(([g, l]) => `${g}: ${l}`).join(' · ')}</dd>
        </div>
        <div>
          <dt>Members&apos; own</dt>
          <dd>{own.length === 0 ? 'none' : own.map(([a, l]) => `${a}: ${l}`).join(' · ')}</dd>
        </div>
      </dl>
      {props.operates ? <LimitForm {...props} /> : <p class="note">Setting limits needs an admin key.</p>}
    </section>
  );
}

function LimitForm({
  org,
  api,
  onChanged,
}: {
  org: OrganizationView;
  api: Api;
  onChanged: (d: Done) => void;
}) {
  const [level, setLevel] = useState<LimitLevel>('default');
  const [key, setKey] = useState('');
  const [amount, setAmount] = useState('');
  const [step, setStep] = useState<Step<LimitChange>>({ kind: 'editing' });
  const editing = step.kind === 'editing' || step.kind === 'error';

  const review = (event: Event) => {
    event.preventDefault();
    const parsed = limitOfInput(amount);
    if (!parsed.ok)
      return setStep({
        kind: 'error',
        message:
          'Give the limit as a decimal number of credits (at most 6 decimals), or leave it empty to clear.',
        fields: [],
      });
    setStep({
      kind: 'confirming',
      change: {
        organizationId: org.organizationId,
        level,
        ...(level === 'default' ? {} : { key: key.trim() }),
        creditsPerMonth: parsed.value,
      },
    });
  };
  const confirm = async (change: LimitChange) => {
    setStep({ kind: 'sending', change });
    try {
      const answer = await api.put<{ position?: string }>(limitPath(change), {
        creditsPerMonth: change.creditsPerMonth,
      });
      setStep({ kind: 'editing' });
      onChanged({ message: `Recorded. ${describeLimitChange(change)}`, position: answer.position });
    } catch (error) {
      setStep(failure(error));
    }
  };

  return (
    <>
      <h3>Set or clear a limit</h3>
      <form class="grid-form" onSubmit={review}>
        <label for="limit-level">Level</label>
        <select
          id="limit-level"
          value={level}
          disabled={!editing}
          onChange={(e) => setLevel((e.target as HTMLSelectElement).value as LimitLevel)}
        >
          <option value="default">Default (every member)</option>
          <option value="group">A group</option>
          <option value="member">One member</option>
        </select>
        {level !== 'default' && (
          <>
            <label for="limit-key">{level === 'group' ? 'Group' : 'Member account id'}</label>
            <input
              id="limit-key"
              required
              disabled={!editing}
              value={key}
              list={level === 'member' ? 'org-member-ids' : 'org-group-names'}
              onInput={(e) => setKey((e.target as HTMLInputElement).value)}
            />
            <datalist id={level === 'member' ? 'org-member-ids' : 'org-group-names'}>
              {(level === 'member'
                ? org.members.map((m) => m.accountId)
                : [...new Set(org.members.flatMap((m) => (m.group === null ? [] : [m.group])))]
              ).map((v) => (
                <option key={v} value={v} />
              ))}
            </datalist>
          </>
        )}
        <label for="limit-amount">Credits a month (empty: clear)</label>
        <input
          id="limit-amount"
          inputMode="decimal"
          disabled={!editing}
          value={amount}
          onInput={(e) => setAmount((e.target as HTMLInputElement).value)}
        />
        <div class="actions">
          <button type="submit" disabled={!editing}>
            Review limit…
          </button>
        </div>
      </form>
      {(step.kind === 'confirming' || step.kind === 'sending') && (
        <ConfirmBox
          id="limit-confirm"
          title="Confirm the limit"
          text={describeLimitChange(step.change)}
          confirmLabel={step.kind === 'sending' ? 'Saving…' : 'Confirm limit'}
          busy={step.kind === 'sending'}
          onConfirm={() => void confirm(step.change)}
          onCancel={() => setStep({ kind: 'editing' })}
        />
      )}
      {step.kind === 'error' && <Problem step={step} />}
    </>
  );
}

interface Decision {
  readonly request: CreditRequest;
  readonly approve: boolean;
  readonly note: string;
}

function CreditRequests(props: {
  org: OrganizationView;
  api: Api;
  operates: boolean;
  onChanged: (done: Done) => void;
}) {
  const { org, api, operates, onChanged } = props;
  const [step, setStep] = useState<Step<Decision>>({ kind: 'editing' });
  const [note, setNote] = useState('');
  const requests = requestsInOrder(org.creditRequests);
  const busy = step.kind === 'sending';

  const decide = async (decision: Decision) => {
    setStep({ kind: 'sending', change: decision });
    try {
      const path = `/v1/organizations/${segment(org.organizationId)}/credit-requests/${segment(decision.request.requestId)}/decision`;
      const answer = await api.post<{ status: string; position?: string }>(path, {
        approve: decision.approve,
        ...(decision.note.trim() !== '' ? { note: decision.note.trim() } : {}),
      });
      setStep({ kind: 'editing' });
      setNote('');
      onChanged({
        message: `Request ${decision.request.requestId} of ${decision.request.accountId} ${answer.status}.`,
        position: answer.position,
      });
    } catch (error) {
      setStep(failure(error));
    }
  };

  return (
    <section aria-labelledby="requests-title" class="panel">
      <h2 id="requests-title">Credit requests</h2>
      {requests.length === 0 ? (
        <p>No credit requests pending or decided this month.</p>
      ) : (
        <div class="table-wrap">
          <table data-testid="org-requests">
            <caption class="visually-hidden">Credit requests, pending first</caption>
            <thead>
              <tr>
                <th scope="col">Request</th>
                <th scope="col">Member</th>
                <th scope="col" class="num">
                  Credits
                </th>
                <th scope="col">Note</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {requests.map((r) => (
                <tr key={r.requestId} data-request={r.requestId}>
                  <th scope="row">
                    <code>{r.requestId}</code>
                  </th>
                  <td>{r.accountId}</td>
                  <td class="num">{r.credits}</td>
                  <td>{r.note ?? '—'}</td>
                  <td>
                    {r.status}
                    {r.decidedAt ? ` ${utc(r.decidedAt)}` : ''}
                    {r.status === 'approved' && r.override
                      ? ` · limit ${r.override} for ${r.month ?? 'the month'}`
                      : ''}
                  </td>
                  <td>
                    {operates && r.status === 'pending' && (
                      <>
                        <button
                          type="button"
                          class="small"
                          disabled={busy}
                          onClick={() =>
                            setStep({ kind: 'confirming', change: { request: r, approve: true, note: '' } })
                          }
                        >
                          Approve…<span class="visually-hidden"> request {r.requestId}</span>
                        </button>{' '}
                        <button
                          type="button"
                          class="small"
                          disabled={busy}
                          onClick={() =>
                            setStep({ kind: 'confirming', change: { request: r, approve: false, note: '' } })
                          }
                        >
                          Decline…<span class="visually-hidden"> request {r.requestId}</span>
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {!operates && <p class="note">Deciding requests needs an admin key.</p>}
      {(step.kind === 'confirming' || step.kind === 'sending') && (
        <ConfirmBox
          id="decision-confirm"
          title={step.change.approve ? 'Confirm the approval' : 'Confirm the decline'}
          text={
            step.change.approve
              ? `Approve ${step.change.request.credits} credits for ${step.change.request.accountId} (request ${step.change.request.requestId})? ${approvalEffect(step.change.request, memberOf(org, step.change.request.accountId))}`
              : `Decline ${step.change.request.credits} credits for ${step.change.request.accountId} (request ${step.change.request.requestId})? Its limit stays as it is.`
          }
          confirmLabel={busy ? 'Sending…' : step.change.approve ? 'Confirm approval' : 'Confirm decline'}
          busy={busy}
          onConfirm={() => void decide({ ...step.change, note })}
          onCancel={() => setStep({ kind: 'editing' })}
        >
          <label for="decision-note">Note to the member (optional)</label>{' '}
          <input
            id="decision-note"
            maxLength={500}
            value={note}
            disabled={busy}
            onInput={(e) => setNote((e.target as HTMLInputElement).value)}
          />
        </ConfirmBox>
      )}
      {step.kind === 'error' && <Problem step={step} />}
    </section>
  );
}

function Problem({ step }: { step: { readonly message: string; readonly fields: readonly FieldProblem[] } }) {
  return (
    <div class="message" role="alert">
      <p>{step.message}</p>
      {step.fields.length > 0 && (
        <ul>
          {step.fields.map((f) => (
            <li key={f.field}>
              {f.field}: {f.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A confirmation step: nothing is sent before its button; it takes the focus, Enter confirms. */
function ConfirmBox(props: {
  id: string;
  title: string;
  text: string;
  confirmLabel: string;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  children?: preact.ComponentChildren;
}) {
  const confirmButton = useRef<HTMLButtonElement>(null);
  useLayoutEffect(() => confirmButton.current?.focus(), [props.text]);
  return (
    <div
      class="confirm"
      role="alertdialog"
      aria-labelledby={`${props.id}-title`}
      aria-describedby={`${props.id}-text`}
      data-testid={props.id}
    >
      <h3 id={`${props.id}-title`}>{props.title}</h3>
      <p id={`${props.id}-text`}>{props.text}</p>
      {props.children && <p>{props.children}</p>}
      <button
        type="button"
        class="danger"
        disabled={props.busy}
        onClick={props.onConfirm}
        ref={confirmButton}
      >
        {props.confirmLabel}
      </button>{' '}
      <button type="button" disabled={props.busy} onClick={props.onCancel}>
        Cancel
      </button>
    </div>
  );
}
