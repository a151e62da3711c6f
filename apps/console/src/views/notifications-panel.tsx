import { useEffect, useState } from 'preact/hooks';
import { query, segment, type Api } from '../api';
import { utc } from '../format';
import type { NotificationPage, NotificationView } from '../ledger-types';
import { JumpToTime } from './jump-to-time';
import { kindLabel, notificationCursorAt, notificationSummary } from './notification-summary';

/** Notifications per page: one bounded request however many the account has. */
export const NOTIFICATIONS_PAGE_SIZE = 50;

type PageState =
  | { readonly kind: 'loading' }
  | { readonly kind: 'error'; readonly path: string; readonly message: string }
  | { readonly kind: 'ok'; readonly path: string; readonly page: NotificationPage };

/**
 * The account's notifications (SPEC §8), in log order as the API gives them, a page at a time by
 * cursor. "From" seeks the first event at or after an instant in the journal (one read) and starts
 * the pages there, so the recent ones of a long history are two requests away, never a full read.
 */
export function NotificationsPanel({ api, accountId }: { api: Api; accountId: string }) {
  const [cursors, setCursors] = useState<readonly (string | undefined)[]>([undefined]);
  const [startedAt, setStartedAt] = useState<string | undefined>(undefined);
  const [answer, setAnswer] = useState<PageState>({ kind: 'loading' });
  const cursor = cursors[cursors.length - 1];
  const path = `/v1/accounts/${segment(accountId)}/notifications${query({ limit: String(NOTIFICATIONS_PAGE_SIZE), cursor })}`;
  const state: PageState = answer.kind !== 'loading' && answer.path === path ? answer : { kind: 'loading' };

  useEffect(() => {
    setCursors([undefined]);
    setStartedAt(undefined);
  }, [accountId]);

  useEffect(() => {
    let live = true;
    api.get<NotificationPage>(path).then(
      (page) => live && setAnswer({ kind: 'ok', path, page }),
      (error: unknown) => live && setAnswer({ kind: 'error', path, message: (error as Error).message }),
    );
    return () => {
      live = false;
    };
  }, [api, path]);

  const jumpTo = (at: string, position: string) => {
    setStartedAt(at);
    setCursors([notificationCursorAt(position)]);
  };
  const firstPage = () => {
    setStartedAt(undefined);
    setCursors([undefined]);
  };

  const page = state.kind === 'ok' ? state.page : undefined;
  const pageNumber = cursors.length;
  return (
    <section class="panel" aria-labelledby="notifications-title" data-testid="notifications">
      <h2 id="notifications-title">Notifications</h2>
      <p class="note">
        What the ledger told the account (thresholds, low or expiring credits, refusals, top-ups), oldest
        first, each once.
      </p>
      <JumpToTime
        api={api}
        accountId={accountId}
        onJump={jumpTo}
        id="notifications-from"
        label="Notifications from (UTC)"
        button="Go to notifications"
      />
      <div class="pager" role="group" aria-label="Notification pages">
        <button type="button" disabled={pageNumber === 1 && startedAt === undefined} onClick={firstPage}>
          First page
          <span class="visually-hidden"> of notifications</span>
        </button>
        <button type="button" disabled={pageNumber === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous page
          <span class="visually-hidden"> of notifications</span>
        </button>
        <span aria-live="polite" data-testid="notifications-page">
          Page {pageNumber}
          {startedAt !== undefined ? ` from ${utc(startedAt)}` : ''}
          {page && page.items.length > 0 ? ` · ${page.items.length} shown` : ''}
        </span>
        <button
          type="button"
          disabled={!page || page.nextCursor === null}
          onClick={() => page?.nextCursor && setCursors([...cursors, page.nextCursor])}
        >
          Next page
          <span class="visually-hidden"> of notifications</span>
        </button>
      </div>
      {state.kind === 'loading' && <p role="status">Loading notifications…</p>}
      {state.kind === 'error' && (
        <p class="message" role="alert">
          {state.message}
        </p>
      )}
      {page && <NotificationsTable items={page.items} />}
    </section>
  );
}

function NotificationsTable({ items }: { items: readonly NotificationView[] }) {
  if (items.length === 0) return <p data-testid="notifications-none">No notifications.</p>;
  return (
    <div class="table-wrap">
      <table class="notifications">
        <caption class="visually-hidden">Notifications in log order</caption>
        <thead>
          <tr>
            <th scope="col" class="num">
              Position
            </th>
            <th scope="col">Occurred</th>
            <th scope="col">Kind</th>
            <th scope="col">What</th>
            <th scope="col">Id</th>
          </tr>
        </thead>
        <tbody>
          {items.map((n) => (
            <tr key={n.notificationId} data-kind={n.kind}>
              <td class="num">{n.position}</td>
              <td>{utc(n.occurredAt)}</td>
              <th scope="row">{kindLabel(n.kind)}</th>
              <td>{notificationSummary(n)}</td>
              <td>
                <code class="id">{n.notificationId}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
