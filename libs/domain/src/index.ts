/** @ledger/domain — pure billing rules. Everything public is exported here. */
export * from './credits';
export * from './time';
export * from './ids';
export * from './errors';
export * from './idempotency';
export * from './rate-card';
export * from './windows';
export * from './allocate-credits';
export * from './expiry';
export * from './spending-cap';
export * from './usage-pricing';
export * from './refund';
export * from './account/commands';
export * from './account/events';
export * from './account/state';
export type { Decision, DecisionContext } from './account/decision';
export * from './account/decide';
export * from './account/decide-usage';
export { DEFAULT_PRIORITY } from './account/decide-credits';
export * from './account/snapshot';
export * from './account/usage-outcome';
export * from './account/view';
export * from './limits-resets/limits-resets';
export * from './holds/commands';
export * from './holds/events';
export * from './holds/state';
export * from './holds/decide-holds';
export * from './reversals/commands';
export * from './reversals/events';
export * from './holds/outcome';
export * from './reversals/outcome';
export * from './alerts/commands';
export * from './alerts/events';
export * from './alerts/state';
export * from './alerts/decide-alerts';
export * from './organizations/commands';
export * from './organizations/events';
export * from './organizations/state';
export * from './organizations/limits';
export * from './organizations/month';
export type { OrganizationDecision, OrganizationDecisionContext } from './organizations/decision';
export { decideOrganization, organizationDecider } from './organizations/decide';
export { MAX_POOL_HOLD_ID_LENGTH } from './organizations/decide-reservations';
export { splitReserved, poolBalance } from './organizations/pool';
export * from './organizations/snapshot';
export * from './organizations/view';
export * from './membership/commands';
export * from './membership/events';
export * from './membership/state';
export {
  memberUsageNeed,
  memberUsageHoldId,
  memberReservationOf,
  memberPoolOf,
  memberSettlementOf,
  MEMBER_RESERVATION_TTL_MS,
  MAX_MEMBER_USAGE_ATTEMPTS,
  type MemberUsageNeed,
} from './membership/member-usage-need';
export * from './webhooks';
