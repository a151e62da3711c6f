import { formatCredits, grantStatus, isoOf, type EpochMs } from '@ledger/domain';
import { creditGrantFromRow, type CreditGrantDbRow } from '../credit-balances/credit-rows';
import type { CreditGrantRow } from '../credit-balances/credit-state';
import type { ReadModelDatabase } from '../read-store/read-model-database';
import { memberLimit, utcMonthKey, type LimitSource, type SpendLimits } from './member-limit';
import { assertOrganizationReadable } from './organization-quarantine';
import { organizationsProjection } from './organizations.projection';

/** A pool grant as the organisation view shows it (the account view's grant shape). */
export interface OrganizationGrantView {
  readonly grantId: string;
  readonly kind: 'purchase' | 'promotional';
  readonly credits: string;
  readonly remaining: string;
  readonly held: string;
  readonly used: string;
  readonly expiresAt: string | null;
  readonly products: readonly string[] | null;
  readonly priority: number;
  readonly status: 'active' | 'exhausted' | 'expired' | 'refunded';
}

export interface OrganizationMemberView {
  readonly accountId: string;
  readonly group: string | null;
  /** Settled plus open reservations in the current UTC month (ledger clock). */
  readonly spentThisMonth: string;
  /** The effective limit this month; null = unlimited. */
  readonly limit: string | null;
  readonly limitSource: LimitSource | null;
  /** limit − spent (never below 0); null when unlimited. */
  readonly remainingThisMonth: string | null;
}

export interface CreditRequestView {
  readonly requestId: string;
  readonly accountId: string;
  readonly credits: string;
  readonly note: string | null;
  readonly status: 'pending' | 'approved' | 'declined';
  readonly requestedAt: string;
  readonly decidedAt: string | null;
  readonly decisionNote: string | null;
  /** Approved: the month the override is for, and the member's limit that month (null: unlimited, unchanged). */
  readonly month: string | null;
  readonly override: string | null;
}

/** `GET /v1/organizations/{orgId}` (API.md "Organisations"). */
export interface OrganizationView {
  readonly organizationId: string;
  readonly plan: string;
  readonly name: string;
  /** The UTC month `spentThisMonth` counts in. */
  readonly month: string;
  readonly credits: {
    readonly balance: string;
    readonly held: string;
    readonly grants: readonly OrganizationGrantView[];
  };
  readonly spendLimits: {
    readonly default: string | null;
    readonly groups: Readonly<Record<string, string>>;
    readonly members: Readonly<Record<string, string>>;
  };
  readonly members: readonly OrganizationMemberView[];
  /** Pending requests, and those decided this month. */
  readonly creditRequests: readonly CreditRequestView[];
}

/** A member reservation past its expiry, for the sweeper (which settles or expires it). */
export interface DueMemberReservation {
  readonly organizationId: string;
  readonly holdId: string;
  readonly accountId: string;
  readonly usageId: string;
}

interface RequestRow {
  request_id: string;
  account_id: string;
  credits: bigint;
  note: string | null;
  status: 'pending' | 'approved' | 'declined';
  requested_at: bigint;
  decided_at: bigint | null;
  decision_note: string | null;
  month: string | null;
  override: bigint | null;
}

/** Queries over the organisations read model. */
export class OrganizationQuery {
  private readonly s;

  constructor(private readonly db: ReadModelDatabase) {
    this.s = {
      org: db.prepare<[string], { plan: string; name: string }>(
        'SELECT plan, name FROM org_organizations WHERE organization_id = ?',
      ),
      grants: db
        .prepare<[string], CreditGrantDbRow>(
          'SELECT * FROM org_grants WHERE organization_id = ? ORDER BY position',
        )
        .safeIntegers(true),
      limits: db
        .prepare<[string], { level: string; limit_key: string; credits_per_month: bigint }>(
          'SELECT level, limit_key, credits_per_month FROM org_spend_limits WHERE organization_id = ?',
        )
        .safeIntegers(true),
      members: db.prepare<[string], { account_id: string; member_group: string | null }>(
        'SELECT account_id, member_group FROM org_members WHERE organization_id = ? ORDER BY account_id',
      ),
      spend: db
        .prepare<[string, string], { account_id: string; settled: bigint; reserved: bigint }>(
          'SELECT account_id, settled, reserved FROM org_member_spend WHERE organization_id = ? AND month = ?',
        )
        .safeIntegers(true),
      overrides: db
        .prepare<[string, string], { account_id: string; credits: bigint }>(
          'SELECT account_id, credits FROM org_month_overrides WHERE organization_id = ? AND month = ?',
        )
        .safeIntegers(true),
      requests: db
        .prepare<[string, number], RequestRow>(
          `SELECT request_id, account_id, credits, note, status, requested_at, decided_at, decision_note, month,
             override FROM org_credit_requests
           WHERE organization_id = ? AND (status = 'pending' OR decided_at >= ?) ORDER BY position`,
        )
        .safeIntegers(true),
      due: db.prepare<
        [number, number],
        { organization_id: string; hold_id: string; account_id: string; usage_id: string }
      >(
        `SELECT organization_id, hold_id, account_id, usage_id FROM org_reservations
         WHERE status = 'held' AND expires_at <= ? ORDER BY expires_at, organization_id, hold_id LIMIT ?`,
      ),
      expiring: db
        .prepare<[number, number], string>(
          `SELECT DISTINCT organization_id FROM org_grants
           WHERE status = 'open' AND remaining > 0 AND expires_at IS NOT NULL AND expires_at <= ?
           ORDER BY organization_id LIMIT ?`,
        )
        .pluck(),
      organizationOf: db
        .prepare<[string], string>('SELECT organization_id FROM org_members WHERE account_id = ?')
        .pluck(),
    };
  }

  /** Null for an organisation never opened. `now` is the ledger's clock: it picks the month and what has expired. */
  organization(organizationId: string, now: EpochMs): OrganizationView | null {
    assertOrganizationReadable(this.db, organizationsProjection.name, organizationId);
    const org = this.s.org.get(organizationId);
    if (org === undefined) return null;
    const month = utcMonthKey(now);
    const grants = this.s.grants.all(organizationId).map(creditGrantFromRow);
    const limits = this.spendLimits(organizationId);
    const spent = new Map(
      this.s.spend.all(organizationId, month).map((r) => [r.account_id, r.settled + r.reserved]),
    );
    const overrides = new Map(
      this.s.overrides.all(organizationId, month).map((r) => [r.account_id, r.credits]),
    );
    const members = this.s.members.all(organizationId).map((m): OrganizationMemberView => {
      const spentThisMonth = spent.get(m.account_id) ?? 0n;
      const { limit, limitSource } = memberLimit(
        limits,
        m.account_id,
        m.member_group,
        overrides.get(m.account_id) ?? null,
      );
      const left = limit === null ? null : limit > spentThisMonth ? limit - spentThisMonth : 0n;
      return {
        accountId: m.account_id,
        group: m.member_group,
        spentThisMonth: formatCredits(spentThisMonth),
        limit: limit === null ? null : formatCredits(limit),
        limitSource,
        remainingThisMonth: left === null ? null : formatCredits(left),
      };
    });
    const views = grants.map((g) => grantView(g, now));
    return {
      organizationId,
      plan: org.plan,
      name: org.name,
      month,
      credits: {
        balance: formatCredits(
          grants.reduce((sum, g, i) => (views[i].status === 'active' ? sum + g.remaining : sum), 0n),
        ),
        held: formatCredits(grants.reduce((sum, g) => sum + g.held, 0n)),
        grants: views,
      },
      spendLimits: {
        default: limits.default === null ? null : formatCredits(limits.default),
        groups: Object.fromEntries([...limits.groups].map(([k, v]) => [k, formatCredits(v)])),
        members: Object.fromEntries([...limits.members].map(([k, v]) => [k, formatCredits(v)])),
      },
      members,
      creditRequests: this.s.requests.all(organizationId, monthStart(now)).map(requestView),
    };
  }

  /** Member reservations past their expiry at `now` (inclusive), oldest first, at most `limit`. */
  dueMemberReservations(now: EpochMs, limit: number): DueMemberReservation[] {
    return this.s.due.all(now, limit).map((r) => ({
      organizationId: r.organization_id,
      holdId: r.hold_id,
      accountId: r.account_id,
      usageId: r.usage_id,
    }));
  }

  /** Organisations whose pool holds credits past their expiry that no OrgCreditsExpired wrote off yet (for a scheduler). */
  organizationsWithExpiredCredits(now: EpochMs, limit: number): string[] {
    return this.s.expiring.all(now, limit);
  }

  /** The organisation the pool's stream has the account as a member of, as far as the read model has seen. */
  organizationOfMember(accountId: string): string | undefined {
    return this.s.organizationOf.get(accountId);
  }

  private spendLimits(organizationId: string): SpendLimits {
    let byDefault: bigint | null = null;
    const groups = new Map<string, bigint>();
    const members = new Map<string, bigint>();
    for (const row of this.s.limits.all(organizationId)) {
      if (row.level === 'default') byDefault = row.credits_per_month;
      else if (row.level === 'group') groups.set(row.limit_key, row.credits_per_month);
      else members.set(row.limit_key, row.credits_per_month);
    }
    return { default: byDefault, groups, members };
  }
}

function grantView(g: CreditGrantRow, now: EpochMs): OrganizationGrantView {
  const status = grantStatus(
    {
      grantId: g.grantId,
      kind: g.kind,
      credits: g.credits,
      remaining: g.remaining,
      expiresAt: g.expiresAt,
      products: g.products,
      priority: g.priority,
      grantedAt: g.grantedAt,
      status: g.status,
      amountPaid: null,
    },
    now,
    g.held,
  );
  return {
    grantId: g.grantId,
    kind: g.kind,
    credits: formatCredits(g.credits),
    remaining: formatCredits(status === 'active' ? g.remaining : 0n),
    held: formatCredits(g.held),
    used: formatCredits(g.used),
    expiresAt: g.expiresAt === null ? null : isoOf(g.expiresAt),
    products: g.products,
    priority: g.priority,
    status,
  };
}

function requestView(r: RequestRow): CreditRequestView {
  return {
    requestId: r.request_id,
    accountId: r.account_id,
    credits: formatCredits(r.credits),
    note: r.note,
    status: r.status,
    requestedAt: isoOf(Number(r.requested_at)),
    decidedAt: r.decided_at === null ? null : isoOf(Number(r.decided_at)),
    decisionNote: r.decision_note,
    month: r.month,
    override: r.override === null ? null : formatCredits(r.override),
  };
}

/** The first millisecond of `now`'s UTC month. */
function monthStart(now: EpochMs): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}
