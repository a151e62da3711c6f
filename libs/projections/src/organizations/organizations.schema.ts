/**
 * The organisations read model (SPEC §7), built from the organisation streams only: the pool's
 * stream is the one authority on pool money and member spend (org-design.md). Amounts are
 * micro-credits (INTEGER), months are `YYYY-MM` (UTC) as the events record them.
 *
 * - org_organizations: one row per organisation (plan, name).
 * - org_grants: the pool's grants, with the same columns and movements as an account's (cb_grants).
 * - org_members: current members and their group (a removed member's row is deleted).
 * - org_spend_limits: level 'default' (key ''), 'group' (key = group), 'member' (key = accountId).
 * - org_month_overrides: an approved credit request's limit for one member for one UTC month.
 * - org_member_spend: per member and month, credits settled and credits in open reservations.
 * - org_reservations: every member reservation on the pool (the sweeper finds the lapsed ones here).
 * - org_credit_requests: every credit request and its decision.
 */
export const ORGANIZATIONS_SCHEMA = `
CREATE TABLE IF NOT EXISTS org_organizations (
  organization_id TEXT    PRIMARY KEY,
  plan            TEXT    NOT NULL,
  name            TEXT    NOT NULL,
  opened_at       INTEGER NOT NULL,
  position        INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS org_grants (
  organization_id TEXT    NOT NULL,
  grant_id        TEXT    NOT NULL,
  kind            TEXT    NOT NULL,
  credits         INTEGER NOT NULL,
  used            INTEGER NOT NULL,
  expired         INTEGER NOT NULL,
  refunded        INTEGER NOT NULL,
  held            INTEGER NOT NULL,
  remaining       INTEGER NOT NULL,
  expires_at      INTEGER,
  products        TEXT,
  priority        INTEGER NOT NULL,
  granted_at      INTEGER NOT NULL,
  status          TEXT    NOT NULL,
  position        INTEGER NOT NULL,
  PRIMARY KEY (organization_id, grant_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS org_members (
  organization_id TEXT    NOT NULL,
  account_id      TEXT    NOT NULL,
  member_group    TEXT,
  position        INTEGER NOT NULL,
  PRIMARY KEY (organization_id, account_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS org_spend_limits (
  organization_id   TEXT    NOT NULL,
  level             TEXT    NOT NULL,
  limit_key         TEXT    NOT NULL,
  credits_per_month INTEGER NOT NULL,
  PRIMARY KEY (organization_id, level, limit_key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS org_month_overrides (
  organization_id TEXT    NOT NULL,
  account_id      TEXT    NOT NULL,
  month           TEXT    NOT NULL,
  credits         INTEGER NOT NULL,
  request_id      TEXT    NOT NULL,
  PRIMARY KEY (organization_id, account_id, month)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS org_member_spend (
  organization_id TEXT    NOT NULL,
  account_id      TEXT    NOT NULL,
  month           TEXT    NOT NULL,
  settled         INTEGER NOT NULL,
  reserved        INTEGER NOT NULL,
  PRIMARY KEY (organization_id, account_id, month)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS org_reservations (
  organization_id  TEXT    NOT NULL,
  hold_id          TEXT    NOT NULL,
  account_id       TEXT    NOT NULL,
  usage_id         TEXT    NOT NULL,
  month            TEXT    NOT NULL,
  credits          INTEGER NOT NULL,
  allocations      TEXT    NOT NULL,
  expires_at       INTEGER NOT NULL,
  status           TEXT    NOT NULL,
  settled_credits  INTEGER,
  placed_position  INTEGER NOT NULL,
  closed_position  INTEGER,
  PRIMARY KEY (organization_id, hold_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS org_credit_requests (
  organization_id TEXT    NOT NULL,
  request_id      TEXT    NOT NULL,
  account_id      TEXT    NOT NULL,
  credits         INTEGER NOT NULL,
  note            TEXT,
  status          TEXT    NOT NULL,
  requested_at    INTEGER NOT NULL,
  decided_at      INTEGER,
  decision_note   TEXT,
  month           TEXT,
  override        INTEGER,
  position        INTEGER NOT NULL,
  PRIMARY KEY (organization_id, request_id)
) WITHOUT ROWID;`;

export const ORGANIZATIONS_INDEXES = `
CREATE INDEX IF NOT EXISTS org_reservations_open_by_expiry ON org_reservations (expires_at, organization_id, hold_id) WHERE status = 'held';
CREATE INDEX IF NOT EXISTS org_members_by_account ON org_members (account_id);`;

export const ORGANIZATIONS_TABLES = [
  { name: 'org_organizations', key: ['organization_id'] },
  { name: 'org_grants', key: ['organization_id', 'grant_id'] },
  { name: 'org_members', key: ['organization_id', 'account_id'] },
  { name: 'org_spend_limits', key: ['organization_id', 'level', 'limit_key'] },
  { name: 'org_month_overrides', key: ['organization_id', 'account_id', 'month'] },
  { name: 'org_member_spend', key: ['organization_id', 'account_id', 'month'] },
  { name: 'org_reservations', key: ['organization_id', 'hold_id'] },
  { name: 'org_credit_requests', key: ['organization_id', 'request_id'] },
] as const;
