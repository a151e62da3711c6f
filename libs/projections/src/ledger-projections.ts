import { allowanceWindowsProjection } from './allowance-windows/allowance-windows.projection';
import { creditBalancesProjection } from './credit-balances/credit-balances.projection';
import { holdsProjection } from './holds/holds.projection';
import { journalProjection } from './journal/journal.projection';
import { notificationsProjection } from './notifications/notifications.projection';
import { organizationsProjection } from './organizations/organizations.projection';
import type { Projection } from './runner/projection';
import { timelineProjection } from './timeline/timeline.projection';
import { webhooksProjection } from './webhooks/webhooks.projection';

/** Every read model of the ledger, in the order they are applied within a batch. */
export const LEDGER_PROJECTIONS: readonly Projection[] = [
  allowanceWindowsProjection,
  creditBalancesProjection,
  journalProjection,
  timelineProjection,
  holdsProjection,
  notificationsProjection,
  organizationsProjection,
  webhooksProjection,
];
