import type { CommandOutcome } from '../core/command-outcome';

/**
 * The `outcome` label of `ledger_commands_total`: a usage or hold refused by the rules is recorded
 * (a UsageRejected or HoldRejected event is appended) but counts as `rejected`, so appended +
 * rejected is what was asked and a rise in rejections shows. Domain errors count under their code.
 */
export function commandOutcomeLabel(outcome: CommandOutcome): string {
  switch (outcome.kind) {
    case 'error':
      return outcome.error.code;
    case 'appended':
      return outcome.events.some((e) => e.event.type === 'UsageRejected' || e.event.type === 'HoldRejected')
        ? 'rejected'
        : 'appended';
    default:
      return outcome.kind;
  }
}
