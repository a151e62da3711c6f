import { organizationStreamName } from '@ledger/domain';
import { storedQuarantines } from '../read-store/quarantine-table';
import type { ReadModelDatabase } from '../read-store/read-model-database';
import { StreamQuarantinedError } from '../queries/stream-quarantined';

/** Throws StreamQuarantinedError when the organisation's stream is quarantined in `projection` (503). */
export function assertOrganizationReadable(
  db: ReadModelDatabase,
  projection: string,
  organizationId: string,
): void {
  const [quarantine] = storedQuarantines(db, {
    projection,
    stream: organizationStreamName(organizationId),
  });
  if (quarantine !== undefined) throw new StreamQuarantinedError(quarantine);
}
