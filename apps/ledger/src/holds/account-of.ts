import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { LruCache, type EventStore } from '@ledger/event-store';
import { AmbiguousHoldIdError, LedgerReadSide, holdsProjection } from '@ledger/projections';
import { RetryLaterException } from '../http/retry-later';
import { EVENT_STORE } from '../store/store.tokens';

/** Hold ids remembered per process: a bound, like the account cache of the command handler. */
const REMEMBERED_HOLDS = 100_000;
/** How long a settle, release or reversal waits for the read models to reach the log's head. */
export const READ_SIDE_WAIT_MS = 5_000;
const READ_SIDE_RETRY_AFTER_S = 1;

/**
 * Which account stream a command addressed by hold id (settle, release) or usage id (reversal)
 * belongs to. A hold id is remembered when this process places it; otherwise the read side knows
 * it (the holds read model, from the shared log: another node may have placed it). The caller had
 * the placement acknowledged before it sent the settle, so once the read models reach the log's
 * head a hold they do not know does not exist (404). Read models that cannot reach the head, or
 * that have stopped, answer 503 with Retry-After rather than a wrong 404.
 */
@Injectable()
export class AccountOf {
  private readonly holds = new LruCache<string, string>(REMEMBERED_HOLDS);

  constructor(
    private readonly readSide: LedgerReadSide,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  /** Called when this process placed a hold (or learnt its account): settles need no read. */
  rememberHold(holdId: string, accountId: string): void {
    this.holds.set(holdId, accountId);
  }

  /**
   * The accounts other than `accountId` that placed a hold of this id, as far as this process and
   * its read models know now (no wait for the log's head): a placement may not take such an id (see
   * PlaceHoldHandler). Empty on the hot path's usual answer.
   */
  otherHoldersOf(holdId: string, accountId: string): ReadonlySet<string> {
    const holders = new Set(this.readSide.holds.accountsOfHold(holdId));
    const remembered = this.holds.get(holdId);
    if (remembered !== undefined) holders.add(remembered);
    holders.delete(accountId);
    return holders;
  }

  async hold(holdId: string): Promise<string> {
    const known = this.knownAccountOfHold(holdId);
    if (known !== undefined) return known;
    await this.readModelsAtHead();
    const account = this.knownAccountOfHold(holdId);
    if (account !== undefined) return account;
    this.assertReadModelRunning();
    throw new NotFoundException(`hold "${holdId}" not found`);
  }

  /**
   * A reversal (admin, rare) always reads at the log's head: a read model that has seen one
   * account's usage but not yet another's with the same id would pick one silently.
   */
  async usage(usageId: string): Promise<string> {
    await this.readModelsAtHead();
    const accounts = this.readSide.holds.accountsOfUsage(usageId);
    if (accounts.length > 1)
      throw new ConflictException(
        `usage id "${usageId}" was recorded on several accounts (${accounts.join(', ')}): it does not say which usage to reverse`,
      );
    if (accounts.length === 1) return accounts[0];
    this.assertReadModelRunning();
    throw new NotFoundException(`usage "${usageId}" not found`);
  }

  /**
   * What this process remembers and what the read side knows, when either knows. A hold id is
   * unique only within its account: when they name different accounts, or the read side several,
   * nothing is picked silently (409 naming them).
   */
  private knownAccountOfHold(holdId: string): string | undefined {
    const remembered = this.holds.get(holdId);
    let projected: string | undefined;
    try {
      projected = this.readSide.holds.accountOfHold(holdId);
    } catch (error) {
      if (error instanceof AmbiguousHoldIdError) throw this.ambiguous(holdId, error.accountIds);
      throw error;
    }
    if (remembered !== undefined && projected !== undefined && remembered !== projected)
      throw this.ambiguous(holdId, [remembered, projected].sort());
    const account = projected ?? remembered;
    if (account !== undefined && remembered === undefined) this.holds.set(holdId, account);
    return account;
  }

  private ambiguous(holdId: string, accountIds: readonly string[]): ConflictException {
    return new ConflictException(
      `hold id "${holdId}" names holds of several accounts (${accountIds.join(', ')}): it does not say which to address`,
    );
  }

  private async readModelsAtHead(): Promise<void> {
    const head = await this.store.headPosition();
    if (await this.readSide.waitForPosition(head, READ_SIDE_WAIT_MS)) return;
    throw new RetryLaterException(
      `the read models have not reached the log's head (${head}) within ${READ_SIDE_WAIT_MS} ms (at ${this.readSide.position()}): nothing was recorded, retry`,
      READ_SIDE_RETRY_AFTER_S,
    );
  }

  /** A stopped holds read model, or a quarantined stream in it, may be missing the one asked for. */
  private assertReadModelRunning(): void {
    const failures = this.readSide.runner
      .status()
      .failures.filter((failure) => failure.projection === holdsProjection.name);
    if (failures.length === 0) return;
    throw new RetryLaterException(
      `the holds read model is degraded (${failures.map((f) => f.reason).join('; ')}): nothing was recorded, retry later`,
      READ_SIDE_RETRY_AFTER_S * 30,
    );
  }
}
