import { isoOf } from '@ledger/domain';
import { DAY, T0 } from '@ledger/domain/testing/fixtures';
import {
  addMember,
  openOrg,
  orgGrant,
  orgHistory,
  orgPurchase,
  reserve,
  settle,
} from '../../../domain/src/organizations/organizations.fixtures';
import type { Notification } from './notification-occasions';
import { NEW_ORG_WATCH, orgNotificationsOf, type OrgAlertWatch } from './org-notification-occasions';

/** The pool's occasions, pure: an organisation's log in, notifications out. */
function replay(commands: Parameters<typeof orgHistory>[0]): Notification[] {
  let watch: OrgAlertWatch = NEW_ORG_WATCH;
  const out: Notification[] = [];
  orgHistory(commands).forEach((event, i) => {
    const r = orgNotificationsOf(watch, 'org-1', event, BigInt(i + 1));
    watch = r.watch;
    out.push(...r.notifications);
  });
  return out;
}

describe('organisation notification occasions (pure)', () => {
  it('credits.depleted on each pool refusal for lack of credits, naming the member; none for a limit', () => {
    const notes = replay([
      openOrg(),
      addMember('acct-1'),
      orgPurchase('p-1', '10'),
      reserve('h-1', 'acct-1', '8'),
      settle('h-1', '8'),
      reserve('h-2', 'acct-1', '5'), // 2 left: refused
      reserve('h-3', 'acct-1', '3'), // refused again: another occasion
    ]);
    const depleted = notes.filter((n) => n.kind === 'credits.depleted');
    expect(depleted.map((n) => [n.accountId, n.organizationId, n.data.holdId, n.data.balance])).toEqual([
      ['org-1', 'org-1', 'h-2', '2'],
      ['org-1', 'org-1', 'h-3', '2'],
    ]);
    expect(depleted[0].notificationId).not.toBe(depleted[1].notificationId);
  });

  it('credits.expiring once per pool grant, at the first event of the organisation within 7 days of its expiry', () => {
    const soon = isoOf(T0 + 5 * DAY);
    const later = isoOf(T0 + 30 * DAY);
    const notes = replay([
      openOrg(),
      addMember('acct-1'),
      orgGrant('g-soon', '10', { expiresAt: soon }),
      orgGrant('g-later', '10', { expiresAt: later }),
      reserve('h-1', 'acct-1', '4'),
      orgPurchase('p-1', '1', { now: T0 + 25 * DAY }), // g-later now within 7 days; g-soon past
    ]);
    expect(notes.filter((n) => n.kind === 'credits.expiring').map((n) => n.data)).toEqual([
      { grantId: 'g-soon', remaining: '10', expiresAt: soon },
      { grantId: 'g-later', remaining: '10', expiresAt: later },
    ]);
  });
});
