import { Inject, NotFoundException } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { accountView, entitlement, type AccountView, type Entitlement, type RateCard } from '@ledger/domain';
import { CLOCK, type Clock } from '../clock/clock';
import { AccountCommandsService } from '../core/account-commands.service';
import { LimitsResetsService } from '../core/limits-resets.service';
import { RATE_CARD } from '../core/tokens';
import { httpErrorOf } from '../http/command-response';

export class GetEntitlementQuery {
  constructor(
    readonly accountId: string,
    readonly product: string,
    readonly operation: string,
    readonly quantity: number,
  ) {}
}

/** The dry run: the decider's own evaluation of RecordUsage on the live account state; appends nothing. */
@QueryHandler(GetEntitlementQuery)
export class GetEntitlementHandler implements IQueryHandler<GetEntitlementQuery, Entitlement> {
  constructor(
    private readonly accounts: AccountCommandsService,
    private readonly resets: LimitsResetsService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(RATE_CARD) private readonly rateCard: RateCard,
  ) {}

  async execute(query: GetEntitlementQuery): Promise<Entitlement> {
    const [state, resets] = await Promise.all([this.accounts.load(query.accountId), this.resets.current()]);
    if (state.accountId === null) throw new NotFoundException(`account "${query.accountId}" is not open`);
    const result = entitlement(state, query, this.clock.now(), { rateCard: this.rateCard, resets });
    if (!result.ok) throw httpErrorOf(result.error);
    return result.entitlement;
  }
}

export class GetAccountQuery {
  constructor(readonly accountId: string) {}
}

@QueryHandler(GetAccountQuery)
export class GetAccountHandler implements IQueryHandler<GetAccountQuery, AccountView> {
  constructor(
    private readonly accounts: AccountCommandsService,
    private readonly resets: LimitsResetsService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(RATE_CARD) private readonly rateCard: RateCard,
  ) {}

  async execute(query: GetAccountQuery): Promise<AccountView> {
    const [state, resets] = await Promise.all([this.accounts.load(query.accountId), this.resets.current()]);
    const view = accountView(state, this.clock.now(), { rateCard: this.rateCard, resets });
    if (view === null) throw new NotFoundException(`account "${query.accountId}" is not open`);
    return view;
  }
}
