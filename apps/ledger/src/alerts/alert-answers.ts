import {
  formatCredits,
  parseCredits,
  type AlertsSet,
  type AutoTopUpSet,
  type TopUpFailed,
  type TopUpRequested,
} from '@ledger/domain';
import type { PositionedEvent } from '../core/command-outcome';
import { lastEvent, type ResponseRules } from '../http/command-response';
import type { SetAlertsDto, SetAutoTopUpDto } from './alerts.dto';

/**
 * The answers of the alert routes, one shape for an account (`{ accountId }`) and for an
 * organisation's pool (`{ organizationId }`): the two controllers differ only in what they are
 * about and in their documentation.
 */
type Subject = { readonly accountId: string } | { readonly organizationId: string };
type AnyEvent = { readonly type: string };

/** A valid amount in its canonical spelling (the DTO has checked it already). */
const canonical = (credits: string): string => formatCredits(parseCredits(credits, { max: null }) ?? 0n);

function eventOf<E extends AnyEvent>(events: readonly PositionedEvent<AnyEvent>[], type: E['type']) {
  const found = events.find((e) => e.event.type === type);
  return found === undefined ? undefined : { event: found.event as E, position: found.position };
}

/** PUT …/alerts: 200 with the settings now (what was recorded, or the same values when unchanged). */
export function alertsAnswer<E extends AnyEvent>(subject: Subject, dto: SetAlertsDto) {
  const rules: ResponseRules<E, object> = {
    body: (events) => {
      const { event, position } = lastEvent(events);
      const d = (event as unknown as AlertsSet).data;
      return {
        ...subject,
        creditsBelow: d.creditsBelow,
        expiringWithinDays: d.expiringWithinDays,
        position: position.toString(),
      };
    },
    created: () => 200,
    unchanged: (position) => ({
      ...subject,
      creditsBelow: dto.creditsBelow === null ? null : canonical(dto.creditsBelow),
      expiringWithinDays: dto.expiringWithinDays,
      position: position.toString(),
    }),
  };
  return rules;
}

/** PUT …/auto-top-up: 200 with the setting now and the top-up it requested at once, if any. */
export function autoTopUpAnswer<E extends AnyEvent>(subject: Subject, dto: SetAutoTopUpDto) {
  const rules: ResponseRules<E, object> = {
    body: (events) => {
      const { event, position } = lastEvent(events);
      const d = (event as unknown as AutoTopUpSet).data;
      const requested = eventOf<TopUpRequested>(events, 'TopUpRequested');
      return {
        ...subject,
        enabled: d.enabled,
        belowCredits: d.belowCredits,
        targetCredits: d.targetCredits,
        monthlyLimitCredits: d.monthlyLimitCredits,
        topUpRequested:
          requested === undefined
            ? null
            : { topUpId: requested.event.data.topUpId, credits: requested.event.data.credits },
        position: (requested?.position ?? position).toString(),
      };
    },
    created: () => 200,
    unchanged: (position) => ({
      ...subject,
      enabled: dto.enabled,
      belowCredits: canonical(dto.belowCredits),
      targetCredits: canonical(dto.targetCredits),
      monthlyLimitCredits: canonical(dto.monthlyLimitCredits),
      topUpRequested: null,
      position: position.toString(),
    }),
  };
  return rules;
}

/** POST …/top-ups/{topUpId}/failure: 201 (200 on a replay) with the failure as recorded. */
export function topUpFailureAnswer<E extends AnyEvent>(subject: Subject) {
  const rules: ResponseRules<E, object> = {
    body: (events) => {
      const failed = eventOf<TopUpFailed>(events, 'TopUpFailed');
      if (failed === undefined) throw new Error('a top-up failure outcome without TopUpFailed');
      const d = failed.event.data;
      return {
        ...subject,
        topUpId: d.topUpId,
        reason: d.reason,
        credits: d.credits,
        failuresInARow: d.failuresInARow,
        autoTopUpTurnedOff: d.turnsAutoTopUpOff,
        recordedAt: d.recordedAt,
        position: failed.position.toString(),
      };
    },
  };
  return rules;
}
