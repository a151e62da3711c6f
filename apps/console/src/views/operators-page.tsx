import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { newId, type Api, type FieldProblem, ApiError } from '../api';
import { WebhooksPanel } from './webhooks-panel';

type Scope = 'all' | 'plan' | 'account';

interface ResetRequest {
  readonly resetId: string;
  readonly scope: Scope;
  readonly plan?: string;
  readonly accountId?: string;
  readonly product?: string;
  readonly reason: string;
}

type Step =
  | { readonly kind: 'editing' }
  | { readonly kind: 'confirming'; readonly request: ResetRequest }
  | { readonly kind: 'sending'; readonly request: ResetRequest }
  | { readonly kind: 'done'; readonly request: ResetRequest; readonly answer: Record<string, unknown> }
  | {
      readonly kind: 'error';
      readonly request: ResetRequest;
      readonly message: string;
      readonly fields: readonly FieldProblem[];
    };

/** The plans SPEC §2 names; the rate card in force may differ, so any plan name may be typed. */
const KNOWN_PLANS = ['free', 'plus', 'pro', 'business', 'enterprise', 'edu'];

function whoIsReset(r: ResetRequest): string {
  const what = r.product ? `${r.product} limits` : 'all product limits';
  if (r.scope === 'all') return `${what} of EVERY account`;
  if (r.scope === 'plan') return `${what} of every account on plan ${r.plan}`;
  return `${what} of account ${r.accountId}`;
}

export function OperatorsPage({ api }: { api: Api }) {
  const [scope, setScope] = useState<Scope>('account');
  const [plan, setPlan] = useState('');
  const [accountId, setAccountId] = useState('');
  const [product, setProduct] = useState('');
  const [reason, setReason] = useState('');
  const [step, setStep] = useState<Step>({ kind: 'editing' });

  const review = (event: Event) => {
    event.preventDefault();
    // The id is chosen once, here: confirming twice (a double click, a retry) resets once.
    const request: ResetRequest = {
      resetId: newId('console-reset'),
      scope,
      reason: reason.trim(),
      ...(scope === 'plan' ? { plan: plan.trim() } : {}),
      ...(scope === 'account' ? { accountId: accountId.trim() } : {}),
      ...(product.trim() !== '' ? { product: product.trim() } : {}),
    };
    setStep({ kind: 'confirming', request });
  };

  const confirm = async (request: ResetRequest) => {
    setStep({ kind: 'sending', request });
    try {
      const answer = await api.post<Record<string, unknown>>('/v1/limits/resets', request);
      setStep({ kind: 'done', request, answer });
    } catch (error) {
      setStep({
        kind: 'error',
        request,
        message: (error as Error).message,
        fields: error instanceof ApiError ? error.fields : [],
      });
    }
  };

  const editing = step.kind === 'editing' || step.kind === 'error' || step.kind === 'done';
  return (
    <>
      <h1>Operators</h1>
      <section class="panel" aria-labelledby="reset-title">
        <h2 id="reset-title">Reset usage limits</h2>
        <p>
          Voids the usage windows that started before the reset. Recorded in the audit trail with your key and
          reason.
        </p>
        <form class="grid-form" onSubmit={review}>
          <label for="reset-scope">Who</label>
          <select
            id="reset-scope"
            value={scope}
            disabled={!editing}
            onChange={(e) => setScope((e.target as HTMLSelectElement).value as Scope)}
          >
            <option value="account">One account</option>
            <option value="plan">Every account on a plan</option>
            <option value="all">Every account</option>
          </select>
          {scope === 'account' && (
            <>
              <label for="reset-account">Account id</label>
              <input
                id="reset-account"
                required
                disabled={!editing}
                value={accountId}
                onInput={(e) => setAccountId((e.target as HTMLInputElement).value)}
              />
            </>
          )}
          {scope === 'plan' && (
            <>
              <label for="reset-plan">Plan</label>
              <input
                id="reset-plan"
                list="known-plans"
                required
                disabled={!editing}
                value={plan}
                onInput={(e) => setPlan((e.target as HTMLInputElement).value)}
              />
              <datalist id="known-plans">
                {KNOWN_PLANS.map((p) => (
                  <option key={p} value={p} />
                ))}
              </datalist>
            </>
          )}
          <label for="reset-product">Product (empty: all)</label>
          <input
            id="reset-product"
            disabled={!editing}
            value={product}
            onInput={(e) => setProduct((e.target as HTMLInputElement).value)}
          />
          <label for="reset-reason">Reason</label>
          <textarea
            id="reset-reason"
            required
            maxLength={500}
            disabled={!editing}
            value={reason}
            onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)}
          />
          <div class="actions">
            <button type="submit" disabled={!editing}>
              Review reset…
            </button>
          </div>
        </form>
        {(step.kind === 'confirming' || step.kind === 'sending') && (
          <Confirmation
            request={step.request}
            sending={step.kind === 'sending'}
            onConfirm={confirm}
            onCancel={() => setStep({ kind: 'editing' })}
          />
        )}
        {step.kind === 'done' && (
          <p class="result ok" role="status" data-testid="reset-done">
            Reset <code>{step.request.resetId}</code> recorded: {whoIsReset(step.request)}
            {typeof step.answer.position === 'string' ? ` (log position ${step.answer.position})` : ''}.
          </p>
        )}
        {step.kind === 'error' && (
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
        )}
      </section>
      <WebhooksPanel api={api} />
    </>
  );
}

function Confirmation(props: {
  request: ResetRequest;
  sending: boolean;
  onConfirm: (r: ResetRequest) => void;
  onCancel: () => void;
}) {
  const { request, sending } = props;
  const confirmButton = useRef<HTMLButtonElement>(null);
  useLayoutEffect(() => confirmButton.current?.focus(), []);
  return (
    <div
      class="confirm"
      role="alertdialog"
      aria-labelledby="confirm-title"
      aria-describedby="confirm-text"
      data-testid="reset-confirm"
    >
      <h3 id="confirm-title">Confirm the reset</h3>
      <p id="confirm-text">
        Reset {whoIsReset(request)}? Reason: “{request.reason}”. This cannot be undone.
      </p>
      <button
        type="button"
        class="danger"
        disabled={sending}
        onClick={() => props.onConfirm(request)}
        ref={confirmButton}
      >
        {sending ? 'Resetting…' : 'Confirm reset'}
      </button>
      <button type="button" disabled={sending} onClick={props.onCancel}>
        Cancel
      </button>
    </div>
  );
}
