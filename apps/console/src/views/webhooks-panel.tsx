import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { query, segment, type Api } from '../api';
import { utc } from '../format';
import type { DeliveryPage, DeliveryView, WebhookView } from '../ledger-types';
import { deliveryStateText, kindLabel } from './notification-summary';

/** Deliveries per page: one bounded request, however long the log. */
export const DELIVERIES_PAGE_SIZE = 50;

type Loaded<T> =
  | { readonly kind: 'loading' }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'ok'; readonly value: T };

/**
 * Webhooks (SPEC §8), for admin keys: the subscriptions (`GET /v1/webhooks`, never a secret), one's
 * delivery log a page at a time by cursor, and a redelivery after a confirmation (the receiver gets
 * the same notification id again and dedupes on it).
 */
export function WebhooksPanel({ api }: { api: Api }) {
  const [list, setList] = useState<Loaded<readonly WebhookView[]>>({ kind: 'loading' });
  const [open, setOpen] = useState<WebhookView | null>(null);
  useEffect(() => {
    let live = true;
    api.get<{ items: readonly WebhookView[] }>('/v1/webhooks').then(
      (answer) => live && setList({ kind: 'ok', value: answer.items }),
      (error: unknown) => live && setList({ kind: 'error', message: (error as Error).message }),
    );
    return () => {
      live = false;
    };
  }, [api]);

  return (
    <section class="panel" aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">Webhooks</h2>
      {list.kind === 'loading' && <p role="status">Loading webhooks…</p>}
      {list.kind === 'error' && (
        <p class="message" role="alert">
          {list.message}
        </p>
      )}
      {list.kind === 'ok' && list.value.length === 0 && <p>No webhooks registered.</p>}
      {list.kind === 'ok' && list.value.length > 0 && (
        <div class="table-wrap">
          <table data-testid="webhooks">
            <caption class="visually-hidden">Registered webhooks</caption>
            <thead>
              <tr>
                <th scope="col">Webhook</th>
                <th scope="col">URL</th>
                <th scope="col">Kinds</th>
                <th scope="col">Registered</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.value.map((w) => (
                <tr key={w.webhookId}>
                  <th scope="row">
                    <code>{w.webhookId}</code>
                  </th>
                  <td>
                    <code>{w.url}</code>
                  </td>
                  <td>{w.kinds.join(', ')}</td>
                  <td>{utc(w.registeredAt)}</td>
                  <td>
                    <button
                      type="button"
                      class="small"
                      aria-pressed={open?.webhookId === w.webhookId}
                      onClick={() => setOpen(w)}
                    >
                      Delivery log<span class="visually-hidden"> of {w.webhookId}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {open && <DeliveryLog key={open.webhookId} api={api} webhook={open} />}
    </section>
  );
}

type Retry =
  | { readonly kind: 'none' }
  | { readonly kind: 'confirming' | 'sending'; readonly delivery: DeliveryView }
  | { readonly kind: 'done'; readonly delivery: DeliveryView; readonly position: string | null }
  | { readonly kind: 'error'; readonly message: string };

function DeliveryLog({ api, webhook }: { api: Api; webhook: WebhookView }) {
  const [cursors, setCursors] = useState<readonly (string | undefined)[]>([undefined]);
  const [minPosition, setMinPosition] = useState<string | undefined>(undefined);
  const [generation, setGeneration] = useState(0);
  const [answer, setAnswer] = useState<Loaded<DeliveryPage> & { readonly for?: string }>({ kind: 'loading' });
  const [retry, setRetry] = useState<Retry>({ kind: 'none' });
  const cursor = cursors[cursors.length - 1];
  const path = `/v1/webhooks/${segment(webhook.webhookId)}/deliveries${query({ limit: String(DELIVERIES_PAGE_SIZE), cursor, minPosition })}`;
  const key = `${generation}:${path}`;
  const state: Loaded<DeliveryPage> = answer.for === key ? answer : { kind: 'loading' };

  useEffect(() => {
    let live = true;
    api.get<DeliveryPage>(path).then(
      (page) => live && setAnswer({ kind: 'ok', value: page, for: key }),
      (error: unknown) => live && setAnswer({ kind: 'error', message: (error as Error).message, for: key }),
    );
    return () => {
      live = false;
    };
  }, [api, key]);

  const redeliver = async (delivery: DeliveryView) => {
    setRetry({ kind: 'sending', delivery });
    try {
      const path = `/v1/webhooks/${segment(webhook.webhookId)}/deliveries/${segment(delivery.deliveryId)}/retry`;
      const done = await api.post<{ position?: string | null }>(path);
      setRetry({ kind: 'done', delivery, position: done.position ?? null });
      if (done.position) setMinPosition(done.position);
      setGeneration((g) => g + 1);
    } catch (error) {
      setRetry({ kind: 'error', message: (error as Error).message });
    }
  };

  const page = state.kind === 'ok' ? state.value : undefined;
  return (
    <div data-testid="delivery-log" aria-labelledby="delivery-log-title" role="region">
      <h3 id="delivery-log-title">
        Delivery log of <code>{webhook.webhookId}</code>
      </h3>
      <div class="pager" role="group" aria-label="Delivery log pages">
        <button type="button" disabled={cursors.length === 1} onClick={() => setCursors([undefined])}>
          First page<span class="visually-hidden"> of deliveries</span>
        </button>
        <button
          type="button"
          disabled={cursors.length === 1}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          Previous page<span class="visually-hidden"> of deliveries</span>
        </button>
        <span aria-live="polite" data-testid="deliveries-page">
          Page {cursors.length}
          {page ? ` · ${page.items.length} shown` : ''}
        </span>
        <button
          type="button"
          disabled={!page?.nextCursor}
          onClick={() => page?.nextCursor && setCursors([...cursors, page.nextCursor])}
        >
          Next page<span class="visually-hidden"> of deliveries</span>
        </button>
        <button type="button" onClick={() => setGeneration(generation + 1)}>
          Refresh<span class="visually-hidden"> the delivery log</span>
        </button>
      </div>
      {retry.kind === 'done' && (
        <p class="result ok" role="status" data-testid="redelivery-done">
          Delivery <code>{retry.delivery.deliveryId}</code> queued again: notification{' '}
          <code>{retry.delivery.notificationId}</code> is sent again now, with the same id
          {retry.position !== null ? ` (log position ${retry.position})` : ' (it was not attempted yet)'}.
        </p>
      )}
      {retry.kind === 'error' && (
        <p class="message" role="alert">
          {retry.message}
        </p>
      )}
      {(retry.kind === 'confirming' || retry.kind === 'sending') && (
        <RedeliveryConfirm
          delivery={retry.delivery}
          sending={retry.kind === 'sending'}
          onConfirm={() => void redeliver(retry.delivery)}
          onCancel={() => setRetry({ kind: 'none' })}
        />
      )}
      {state.kind === 'loading' && <p role="status">Loading deliveries…</p>}
      {state.kind === 'error' && (
        <p class="message" role="alert">
          {state.message}
        </p>
      )}
      {page && page.items.length === 0 && <p>Nothing delivered to this webhook yet.</p>}
      {page && page.items.length > 0 && (
        <div class="table-wrap">
          <table data-testid="deliveries">
            <caption class="visually-hidden">Deliveries in log order</caption>
            <thead>
              <tr>
                <th scope="col">Delivery</th>
                <th scope="col">Notification</th>
                <th scope="col">Kind</th>
                <th scope="col">Account</th>
                <th scope="col">State</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((d) => (
                <tr key={d.deliveryId} data-status={d.status}>
                  <th scope="row">
                    <code class="id">{d.deliveryId}</code>
                  </th>
                  <td>
                    <code class="id">{d.notificationId}</code>
                  </td>
                  <td>{kindLabel(d.kind)}</td>
                  <td>{d.accountId ?? '—'}</td>
                  <td>{deliveryStateText(d)}</td>
                  <td>
                    <button
                      type="button"
                      class="small"
                      disabled={retry.kind === 'sending'}
                      onClick={() => setRetry({ kind: 'confirming', delivery: d })}
                    >
                      Deliver again…<span class="visually-hidden"> {d.deliveryId}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function RedeliveryConfirm(props: {
  delivery: DeliveryView;
  sending: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const button = useRef<HTMLButtonElement>(null);
  useLayoutEffect(() => button.current?.focus(), [props.delivery.deliveryId]);
  const d = props.delivery;
  return (
    <div
      class="confirm"
      role="alertdialog"
      aria-labelledby="redeliver-title"
      aria-describedby="redeliver-text"
      data-testid="redeliver-confirm"
    >
      <h3 id="redeliver-title">Confirm the redelivery</h3>
      <p id="redeliver-text">
        Send notification {d.notificationId} ({kindLabel(d.kind)}) to this webhook again, now (
        {deliveryStateText(d)})? The receiver gets the same notification id and should ignore one it has
        already handled.
      </p>
      <button type="button" class="danger" disabled={props.sending} onClick={props.onConfirm} ref={button}>
        {props.sending ? 'Sending…' : 'Confirm redelivery'}
      </button>{' '}
      <button type="button" disabled={props.sending} onClick={props.onCancel}>
        Cancel
      </button>
    </div>
  );
}
