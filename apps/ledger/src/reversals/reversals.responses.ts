import { schema, type Schema } from '../http/openapi';
import { CHARGED_SCHEMA } from '../usage/usage.responses';

export const REVERSAL_SCHEMA: Schema = schema.object({
  reversalId: schema.string('', 'rv-1'),
  usageId: schema.string('', 'u-1'),
  accountId: schema.string('', 'acct-1'),
  reversed: {
    ...CHARGED_SCHEMA,
    description:
      'What the usage cost: its units (back to those of its windows still open) and credits (back to their grants)',
  },
  regranted: schema.nullable(
    schema.object(
      {
        grantId: schema.string('the new promotional grant', 'reversal-rv-1'),
        credits: schema.credits(),
      },
      [],
    ),
  ),
  position: schema.position(),
});
