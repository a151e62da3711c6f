import type { EventStore } from '@ledger/event-store';
import { LEDGER_PROJECTIONS } from './ledger-projections';
import { AccountQuery } from './queries/account-query';
import { HoldQuery } from './queries/hold-query';
import { NotificationQuery } from './notifications/notification-query';
import { JournalExport } from './queries/journal-export';
import { JournalQuery } from './queries/journal-query';
import { TimelineQuery } from './queries/timeline-query';
import { OrgTimelineQuery } from './queries/org-timeline-query';
import { OrganizationQuery } from './organizations/organization-query';
import { WebhookQuery } from './webhooks/webhook-query';
import { openDerivedDatabase } from '@ledger/event-store/snapshots';
import { openReadModelDatabase, type ReadModelDatabase } from './read-store/read-model-database';
import type { Projection } from './runner/projection';
import {
  ProjectionBatchApplier,
  type ProjectionBatchApplierOptions,
} from './runner/projection-batch-applier';
import { ProjectionRunner, type ProjectionRunnerOptions } from './runner/projection-runner';
import type { ReadModelRunner } from './runner/read-model-runner';
import { verifyProjections, type VerifyReport } from './verify/verify-projections';

export interface LedgerReadSideOptions extends ProjectionRunnerOptions, ProjectionBatchApplierOptions {
  readonly store: EventStore;
  /** The read-model file (`<dataDir>/read-models.sqlite`), or ':memory:' in tests. */
  readonly databasePath: string;
  /** Default: every ledger projection. */
  readonly projections?: readonly Projection[];
  /**
   * Keeps the read models up to date from elsewhere (the server's worker thread) instead of a
   * runner on this thread; this side then only queries the file. The runner's side creates the
   * schema: open this after it reported ready.
   */
  readonly runner?: ReadModelRunner;
  /**
   * Told (a warn line) when the read-model file was corrupt and set aside as `<file>.corrupt-<time>`:
   * a fresh file is rebuilt from the log. Only the side that runs the runner opens it so.
   */
  readonly onSetAside?: (message: string) => void;
}

/**
 * Everything the read side of one node is: its read-model file, the runner that keeps it up to
 * date with the log, and the queries over it. Framework-free, so the HTTP app and the CLI share it.
 */
export class LedgerReadSide {
  readonly runner: ReadModelRunner;
  readonly accounts: AccountQuery;
  readonly timelines: TimelineQuery;
  readonly journals: JournalQuery;
  readonly journalExport: JournalExport;
  readonly holds: HoldQuery;
  readonly notifications: NotificationQuery;
  readonly organizations: OrganizationQuery;
  readonly organizationTimelines: OrgTimelineQuery;
  readonly webhooks: WebhookQuery;
  /** Projections rebuilt at open because their code version changed. */
  readonly rebuiltOnOpen: readonly string[];
  private readonly projections: readonly Projection[];
  private readonly applier: ProjectionBatchApplier | undefined;

  private constructor(
    readonly db: ReadModelDatabase,
    private readonly store: EventStore,
    options: LedgerReadSideOptions,
  ) {
    this.projections = options.projections ?? LEDGER_PROJECTIONS;
    if (options.runner !== undefined) {
      this.runner = options.runner;
      this.rebuiltOnOpen = [];
      this.applier = undefined;
    } else {
      const applier = new ProjectionBatchApplier(db, this.projections, options);
      this.applier = applier;
      this.rebuiltOnOpen = applier.rebuiltOnOpen;
      this.runner = new ProjectionRunner(store, applier, options);
    }
    this.accounts = new AccountQuery(db);
    this.timelines = new TimelineQuery(db, store);
    this.journals = new JournalQuery(db);
    this.journalExport = new JournalExport(db);
    this.holds = new HoldQuery(db);
    this.notifications = new NotificationQuery(db);
    this.organizations = new OrganizationQuery(db);
    this.organizationTimelines = new OrgTimelineQuery(db, store);
    this.webhooks = new WebhookQuery(db);
  }

  static open(options: LedgerReadSideOptions): LedgerReadSide {
    const path = options.databasePath;
    const db =
      options.runner === undefined
        ? openDerivedDatabase(path, () => openReadModelDatabase(path), options.onSetAside)
        : openReadModelDatabase(path);
    try {
      return new LedgerReadSide(db, options.store, options);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /**
   * Before the runner starts and before any query: read models not made from this log (an older
   * events file restored under newer read models: a checkpoint past the head, or a last applied
   * event the log does not have there) are dropped and rebuilt, never served. Returns why, when so.
   */
  async rebuildIfNotFromLog(): Promise<string | undefined> {
    if (this.applier === undefined) return undefined;
    // The log unreachable now: the runner reports that itself (/health); nothing to compare with.
    const check = await this.applier.followsLog(this.store).catch(() => ({ ok: true }) as const);
    if (check.ok) return undefined;
    this.applier.rebuildAll();
    return check.reason;
  }

  start(): void {
    this.runner.start();
  }

  /** The position every read model has reached. */
  position(): bigint {
    return this.runner.position();
  }

  /** `?minPosition=`: true once the read models reached `position`, false after `timeoutMs`. */
  waitForPosition(position: bigint, timeoutMs: number): Promise<boolean> {
    return this.runner.waitForPosition(position, timeoutMs);
  }

  /** Waits until the read models have applied the whole log as it is now (CLI, tests, bench). */
  async catchUp(timeoutMs = 60_000): Promise<boolean> {
    return this.runner.waitForPosition(await this.store.headPosition(), timeoutMs);
  }

  verify(maxMismatches?: number): Promise<VerifyReport> {
    return verifyProjections({
      store: this.store,
      live: {
        db: this.db,
        positions: () => this.runner.positions(),
        pause: () => this.runner.pause(),
        resume: () => this.runner.resume(),
      },
      projections: this.projections,
      maxMismatches,
    });
  }

  rebuild(names?: readonly string[]): Promise<void> {
    return this.runner.rebuild(names);
  }

  /** Stops the runner (answering pending waiters) and closes the read-model file. The store stays open. */
  async close(): Promise<void> {
    await this.runner.close();
    if (this.db.open) this.db.close();
  }
}
