/**
 * Event filters of the double, after src/EventStore.Core/Services/Storage/ReaderIndex/EventFilter.cs
 * (EventStore/EventStore v24.10). TEST CODE ONLY.
 */
import type { ReadReq } from '@eventstore/db-client/generated/streams_pb';
import type { StoredEvent } from './memory-log';

export type EventPredicate = (event: StoredEvent) => boolean;

/**
 * DefaultAllFilterStrategy: what a read of $all never returns, filter or not — the
 * `$epoch-information` stream and the checkpoint/parked streams of persistent subscriptions to $all.
 * Every other event, system or not, is returned by an unfiltered $all read.
 */
export const defaultAllFilter: EventPredicate = (event) => {
  const s = event.stream;
  if (!s.startsWith('$')) return true;
  if (s === '$epoch-information') return false;
  if (
    s.startsWith('$persistentsubscription-$all::') &&
    (s.endsWith('-checkpoint') || s.endsWith('-parked'))
  ) {
    return false;
  }
  return true;
};

/**
 * A client filter (event type or stream name; regex or prefixes) on top of the default $all filter,
 * as EventTypeRegexStrategy & co. do with `isAllStream = true`. The server evaluates .NET regexes with
 * `Regex.Match` (unanchored search); the JavaScript RegExp `test` is the same for the client's
 * `excludeSystemEvents()` pattern `^[^$].*`.
 */
export function clientFilter(options: ReadReq.Options.FilterOptions): EventPredicate {
  const onType = options.hasEventType();
  const expression = onType ? options.getEventType() : options.getStreamIdentifier();
  if (!expression) throw new Error('filter without expression');
  const regex = expression.getRegex();
  const prefixes = expression.getPrefixList();
  const subject = (e: StoredEvent): string => (onType ? e.type : e.stream);
  const pattern = regex ? new RegExp(regex) : undefined;
  const matches: EventPredicate = pattern
    ? (e) => pattern.test(subject(e))
    : (e) => prefixes.some((p) => subject(e).startsWith(p));
  return (e) => defaultAllFilter(e) && matches(e);
}
