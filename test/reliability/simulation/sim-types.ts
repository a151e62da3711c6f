import type { OrgOpType } from './model-orgs';

/** A command of the simulation, as the shell hands it to the services (type + data). */
export type AccountOpType =
  | 'OpenAccount'
  | 'ChangePlan'
  | 'RecordUsage'
  | 'PurchaseCredits'
  | 'GrantCredits'
  | 'RefundPurchase'
  | 'SetSpendingCap'
  | 'ExpireCredits'
  | 'ResetAccountLimits'
  | 'PlaceHold'
  | 'SettleHold'
  | 'ReleaseHold'
  | 'ExpireHold'
  | 'ReverseUsage';

export type SimOp =
  | {
      readonly kind: 'account';
      readonly type: AccountOpType;
      readonly data: Readonly<Record<string, unknown>>;
    }
  | { readonly kind: 'global'; readonly data: Readonly<Record<string, unknown>> }
  | { readonly kind: 'org'; readonly type: OrgOpType; readonly data: Readonly<Record<string, unknown>> };

/** An event reduced to what the model predicts (plain JSON: compared with toEqual). */
export type Summary = Readonly<Record<string, unknown>>;

/** What a command came to, in the same shape for the model and for the system under test. */
export type Outcome =
  | { readonly kind: 'error'; readonly code: string }
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'replayed'; readonly event: Summary }
  | { readonly kind: 'appended'; readonly events: readonly Summary[] };

/** What the reference model decided: an answer without events, or events and how to apply them. */
export type Decided =
  Outcome | { readonly kind: 'events'; readonly events: Summary[]; readonly commit: () => void };
