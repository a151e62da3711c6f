import { creditsFromStored, msFromStored, type Credits, type OrganizationEvent } from '@ledger/domain';
import { creditGrantFromRow, type CreditGrantDbRow } from '../credit-balances/credit-rows';
import { moveGrant, type CreditGrantRow } from '../credit-balances/credit-state';
import { BufferedRows } from '../read-store/buffered-rows';
import type { ProjectedEvent } from '../events/ledger-event';
import type { ReadModelDatabase } from '../read-store/read-model-database';
import type { Projection, ProjectionWriter } from '../runner/projection';
import { orgGrantMovements, orgGrantOpenedBy } from './org-grants';
import { ORGANIZATIONS_INDEXES, ORGANIZATIONS_SCHEMA, ORGANIZATIONS_TABLES } from './organizations.schema';

/** The organisations read model (see organizations.schema.ts), from the organisation streams only. */
export const organizationsProjection: Projection = {
  name: 'organizations',
  version: 1,
  tables: ORGANIZATIONS_TABLES,
  createSchema: (db) => db.exec(ORGANIZATIONS_SCHEMA),
  indexes: ORGANIZATIONS_INDEXES,
  openWriter: (db) => new OrganizationsWriter(db),
};

type OrgProjected = ProjectedEvent & { readonly stream: 'organization' };

/** Separates organisation id and grant id in a cache key; ids never contain it (API.md id rule). */
const KEY_SEPARATOR = '\u0000';

/**
 * Writes most rows straight into the runner's transaction (a rollback takes them with it). The
 * pool's grants are buffered (BufferedRows): every reservation and settlement of every member moves
 * the same few grants, so a batch reads and writes each once. An event that names a grant, a
 * reservation or a request the rows do not have would mean a corrupted log: it throws, and the
 * stream is quarantined.
 */
class OrganizationsWriter implements ProjectionWriter {
  private readonly s;
  private readonly grants: BufferedRows<CreditGrantRow>;

  constructor(db: ReadModelDatabase) {
    const selectGrant = db
      .prepare<[string, string], CreditGrantDbRow>(
        'SELECT * FROM org_grants WHERE organization_id = ? AND grant_id = ?',
      )
      .safeIntegers(true);
    const upsertGrant = db.prepare(
      `INSERT OR REPLACE INTO org_grants (organization_id, grant_id, kind, credits, used, expired, refunded, held,
         remaining, expires_at, products, priority, granted_at, status, position)
       VALUES (@organizationId, @grantId, @kind, @credits, @used, @expired, @refunded, @held, @remaining,
         @expiresAt, @products, @priority, @grantedAt, @status, @position)`,
    );
    this.grants = new BufferedRows<CreditGrantRow>(
      (key) => {
        const [organizationId, grantId] = key.split(KEY_SEPARATOR);
        const row = selectGrant.get(organizationId, grantId);
        return row === undefined ? undefined : creditGrantFromRow(row);
      },
      (key, grant) =>
        upsertGrant.run({
          ...grant,
          organizationId: key.split(KEY_SEPARATOR)[0],
          products: grant.products === null ? null : JSON.stringify(grant.products),
        }),
    );
    this.s = {
      insertOrg: db.prepare<[string, string, string, number, bigint]>(
        `INSERT INTO org_organizations (organization_id, plan, name, opened_at, position) VALUES (?, ?, ?, ?, ?)`,
      ),
      upsertMember: db.prepare<[string, string, string | null, bigint]>(
        `INSERT INTO org_members (organization_id, account_id, member_group, position) VALUES (?, ?, ?, ?)
         ON CONFLICT (organization_id, account_id) DO UPDATE SET member_group = excluded.member_group`,
      ),
      deleteMember: db.prepare<[string, string]>(
        'DELETE FROM org_members WHERE organization_id = ? AND account_id = ?',
      ),
      upsertLimit: db.prepare<[string, string, string, bigint]>(
        `INSERT INTO org_spend_limits (organization_id, level, limit_key, credits_per_month) VALUES (?, ?, ?, ?)
         ON CONFLICT (organization_id, level, limit_key) DO UPDATE SET credits_per_month = excluded.credits_per_month`,
      ),
      deleteLimit: db.prepare<[string, string, string]>(
        'DELETE FROM org_spend_limits WHERE organization_id = ? AND level = ? AND limit_key = ?',
      ),
      upsertOverride: db.prepare<[string, string, string, bigint, string]>(
        `INSERT INTO org_month_overrides (organization_id, account_id, month, credits, request_id) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (organization_id, account_id, month) DO UPDATE SET credits = excluded.credits,
           request_id = excluded.request_id`,
      ),
      addSpend: db.prepare<[string, string, string, bigint, bigint]>(
        `INSERT INTO org_member_spend (organization_id, account_id, month, settled, reserved) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (organization_id, account_id, month) DO UPDATE SET settled = settled + excluded.settled,
           reserved = reserved + excluded.reserved`,
      ),
      insertReservation: db.prepare(
        `INSERT INTO org_reservations (organization_id, hold_id, account_id, usage_id, month, credits, allocations,
           expires_at, status, settled_credits, placed_position, closed_position)
         VALUES (@organizationId, @holdId, @accountId, @usageId, @month, @credits, @allocations, @expiresAt,
           'held', NULL, @position, NULL)`,
      ),
      selectOpenReservation: db
        .prepare<[string, string], { account_id: string; month: string; credits: bigint }>(
          `SELECT account_id, month, credits FROM org_reservations
           WHERE organization_id = ? AND hold_id = ? AND status = 'held'`,
        )
        .safeIntegers(true),
      closeReservation: db.prepare<[string, bigint | null, bigint, string, string]>(
        `UPDATE org_reservations SET status = ?, settled_credits = ?, closed_position = ?
         WHERE organization_id = ? AND hold_id = ? AND status = 'held'`,
      ),
      insertRequest: db.prepare(
        `INSERT INTO org_credit_requests (organization_id, request_id, account_id, credits, note, status,
           requested_at, decided_at, decision_note, month, override, position)
         VALUES (@organizationId, @requestId, @accountId, @credits, @note, 'pending', @requestedAt, NULL, NULL,
           NULL, NULL, @position)`,
      ),
      decideRequest: db.prepare<
        [string, number, string | null, string | null, bigint | null, string, string]
      >(
        `UPDATE org_credit_requests SET status = ?, decided_at = ?, decision_note = ?, month = ?, override = ?
         WHERE organization_id = ? AND request_id = ? AND status = 'pending'`,
      ),
    };
  }

  apply(projected: ProjectedEvent): void {
    if (projected.stream !== 'organization') return;
    this.applyToRows(projected, projected.event);
    this.moveGrants(projected, projected.event);
  }

  private applyToRows(projected: OrgProjected, event: OrganizationEvent): void {
    const orgId = projected.organizationId;
    const { position } = projected;
    const s = this.s;
    switch (event.type) {
      case 'OrganizationOpened':
        s.insertOrg.run(
          orgId,
          event.data.plan,
          event.data.name,
          msFromStored(event.data.recordedAt),
          position,
        );
        return;
      case 'MemberAdded':
      case 'MemberGroupChanged':
        s.upsertMember.run(orgId, event.data.accountId, event.data.group, position);
        return;
      case 'MemberRemoved':
        s.deleteMember.run(orgId, event.data.accountId);
        return;
      case 'SpendLimitSet': {
        const { level, key, creditsPerMonth } = event.data;
        const limitKey = key ?? '';
        if (creditsPerMonth === null) s.deleteLimit.run(orgId, level, limitKey);
        else s.upsertLimit.run(orgId, level, limitKey, creditsFromStored(creditsPerMonth));
        return;
      }
      case 'CreditsRequested':
        s.insertRequest.run({
          organizationId: orgId,
          requestId: event.data.requestId,
          accountId: event.data.accountId,
          credits: creditsFromStored(event.data.credits),
          note: event.data.note,
          requestedAt: msFromStored(event.data.recordedAt),
          position,
        });
        return;
      case 'CreditRequestApproved': {
        const d = event.data;
        const override = d.override === null ? null : creditsFromStored(d.override);
        this.decide(projected, d.requestId, 'approved', d.note, d.month, override);
        if (override !== null) s.upsertOverride.run(orgId, d.accountId, d.month, override, d.requestId);
        return;
      }
      case 'CreditRequestDeclined':
        this.decide(projected, event.data.requestId, 'declined', event.data.note, null, null);
        return;
      case 'MemberSpendReserved': {
        const d = event.data;
        const credits = creditsFromStored(d.credits);
        s.insertReservation.run({
          organizationId: orgId,
          holdId: d.holdId,
          accountId: d.accountId,
          usageId: d.usageId,
          month: d.month,
          credits,
          allocations: JSON.stringify(d.allocations),
          expiresAt: msFromStored(d.expiresAt),
          position,
        });
        s.addSpend.run(orgId, d.accountId, d.month, 0n, credits);
        return;
      }
      case 'MemberSpendSettled':
        this.close(projected, event.data.holdId, 'settled', creditsFromStored(event.data.credits));
        return;
      case 'MemberSpendReleased':
        this.close(projected, event.data.holdId, 'released', null);
        return;
      case 'MemberSpendExpired':
        this.close(projected, event.data.holdId, 'expired', null);
        return;
      default:
        // Purchases, grants and expiries move grants only; a rejected reservation holds nothing.
        return;
    }
  }

  private decide(
    projected: OrgProjected,
    requestId: string,
    status: 'approved' | 'declined',
    note: string | null | undefined,
    month: string | null,
    override: Credits | null,
  ): void {
    const decidedAt = msFromStored(projected.event.data.recordedAt);
    const changed = this.s.decideRequest.run(
      status,
      decidedAt,
      note ?? null,
      month,
      override,
      projected.organizationId,
      requestId,
    );
    if (changed.changes !== 1)
      throw new Error(`event at ${projected.position}: credit request "${requestId}" is not pending`);
  }

  /** A reservation ends: its credits leave the member's open reservations; settled ones count as spent. */
  private close(
    projected: OrgProjected,
    holdId: string,
    status: 'settled' | 'released' | 'expired',
    settled: Credits | null,
  ): void {
    const orgId = projected.organizationId;
    const open = this.s.selectOpenReservation.get(orgId, holdId);
    if (open === undefined)
      throw new Error(`event at ${projected.position}: reservation "${holdId}" of "${orgId}" is not open`);
    this.s.closeReservation.run(status, settled, projected.position, orgId, holdId);
    this.s.addSpend.run(orgId, open.account_id, open.month, settled ?? 0n, -open.credits);
  }

  private moveGrants(projected: OrgProjected, event: OrganizationEvent): void {
    const orgId = projected.organizationId;
    const opened = orgGrantOpenedBy(event, projected.position);
    if (opened !== undefined) this.grants.set(orgId + KEY_SEPARATOR + opened.grantId, opened);
    for (const movement of orgGrantMovements(event)) {
      const key = orgId + KEY_SEPARATOR + movement.grantId;
      const grant = this.grants.get(key);
      if (grant === undefined)
        throw new Error(`event at ${projected.position}: unknown pool grant "${movement.grantId}"`);
      this.grants.set(key, moveGrant(grant, movement));
    }
  }

  flush(): void {
    this.grants.flush();
  }

  discard(): void {
    this.grants.discard();
  }
}
