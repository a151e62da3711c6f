import type { CreditGrantRow } from './credit-state';

/** A cb_grants row as SQLite returns it with safe integers on (every INTEGER is a bigint). */
export interface CreditGrantDbRow {
  account_id: string;
  grant_id: string;
  kind: string;
  credits: bigint;
  used: bigint;
  expired: bigint;
  refunded: bigint;
  held: bigint;
  remaining: bigint;
  expires_at: bigint | null;
  products: string | null;
  priority: bigint;
  granted_at: bigint;
  status: string;
  position: bigint;
}

export function creditGrantFromRow(row: CreditGrantDbRow): CreditGrantRow {
  return {
    grantId: row.grant_id,
    kind: row.kind as CreditGrantRow['kind'],
    credits: row.credits,
    used: row.used,
    expired: row.expired,
    refunded: row.refunded,
    held: row.held,
    remaining: row.remaining,
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    products: row.products === null ? null : (JSON.parse(row.products) as string[]),
    priority: Number(row.priority),
    grantedAt: Number(row.granted_at),
    status: row.status as CreditGrantRow['status'],
    position: row.position,
  };
}
