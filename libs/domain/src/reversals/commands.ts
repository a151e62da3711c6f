import type { CommandMetadata } from '../account/commands';

/** Admin (SPEC §6): a failed task should not cost. At most once per usage. */
export interface ReverseUsage {
  readonly type: 'ReverseUsage';
  readonly data: {
    readonly reversalId: string;
    readonly accountId: string;
    readonly usageId: string;
    readonly reason: string;
  };
  readonly metadata: CommandMetadata;
}
