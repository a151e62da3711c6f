import type { AlertsCommand } from './commands';
import { ACCOUNT, T0 } from '../testing/fixtures';

/** Command builders for the alerts module's specs. Test-only. */
function command<C extends AlertsCommand>(type: C['type'], data: C['data'], now: number): C {
  return { type, data, metadata: { now, fingerprint: `fp:${JSON.stringify(data)}`, actor: 'tester' } } as C;
}

export const setAlerts = (creditsBelow: string | null, expiringWithinDays: number | null, now = T0) =>
  command('SetAlerts', { accountId: ACCOUNT, creditsBelow, expiringWithinDays }, now);

export const setAutoTopUp = (
  setting: { enabled?: boolean; below: string; target: string; monthlyLimit: string },
  now = T0,
) =>
  command(
    'SetAutoTopUp',
    {
      accountId: ACCOUNT,
      enabled: setting.enabled ?? true,
      belowCredits: setting.below,
      targetCredits: setting.target,
      monthlyLimitCredits: setting.monthlyLimit,
    },
    now,
  );

export const topUpFailure = (topUpId: string, now = T0, reason = 'card declined') =>
  command('RecordTopUpFailure', { accountId: ACCOUNT, topUpId, reason }, now);

export const announceExpiring = (now = T0) => command('AnnounceExpiringCredits', { accountId: ACCOUNT }, now);
