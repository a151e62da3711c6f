import { LIMITS_RESETS_STREAM, type AccountEvent, type LimitsReset } from '@ledger/domain';
import { StreamNotFoundError, type EventStore } from '@ledger/event-store';
import { MAX_PAGE_SIZE, type TimelineItem, type TimelinePage } from '@ledger/projections';
import { CliError, ExitCode } from '../exit-codes';
import type { CliContext } from '../cli-context';

/** A timeline item with its event typed by its `type`. */
export type AccountHistoryItem = TimelineItem & { readonly event: AccountEvent };

/** A global reset (every user, or one plan) as it appears among an account's events. */
export interface GlobalResetItem {
  readonly position: string;
  readonly event: LimitsReset;
}

export function historyItemOf(item: TimelineItem): AccountHistoryItem {
  return { ...item, event: { type: item.type, data: item.data } as AccountEvent };
}

/**
 * The account's timeline read page by page (constant memory for any history length), up to
 * `asOf` when given. The first page is read before anything is yielded, so an unknown account
 * fails before output starts.
 */
export async function* accountTimeline(
  context: CliContext,
  accountId: string,
  asOf?: string,
): AsyncGenerator<{ readonly items: readonly AccountHistoryItem[]; readonly page: TimelinePage }> {
  const timelines = context.readModels.readSide.timelines;
  let cursor: string | undefined;
  do {
    const page = await timelines.timeline(
      accountId,
      { asOf, cursor, limit: MAX_PAGE_SIZE },
      context.rateCard,
    );
    if (page === null) throw accountNotFound(accountId);
    yield { items: page.items.map(historyItemOf), page };
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}

export function accountNotFound(accountId: string): CliError {
  return new CliError(ExitCode.notFound, `no account "${accountId}" in this ledger`);
}

/**
 * Global resets from the log itself (a rare, short stream): they are not account events, but
 * support needs to see "the operator reset everyone's limits" where it happened.
 */
export async function globalResets(store: EventStore): Promise<GlobalResetItem[]> {
  try {
    const events = await store.readStream(LIMITS_RESETS_STREAM);
    return events
      .filter((e) => e.type === 'LimitsReset')
      .map((e) => ({
        position: String(e.position),
        event: { type: 'LimitsReset', data: e.data } as LimitsReset,
      }));
  } catch (error) {
    if (error instanceof StreamNotFoundError) return [];
    throw error;
  }
}
