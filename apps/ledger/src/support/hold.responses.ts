import { schema, type Schema } from '../http/openapi';

const ALLOCATIONS = schema.array(
  schema.object({
    grantId: schema.string('the grant', 'p-1'),
    credits: schema.credits('credits of that grant'),
  }),
);

export const HOLD_SCHEMA: Schema = schema.object(
  {
    holdId: schema.string('the hold', 'h-1'),
    accountId: schema.string('its account', 'acct-1'),
    status: schema.enum(['held', 'settled', 'released', 'expired'], 'where the hold stands'),
    lines: schema.array(
      schema.object({
        operation: schema.string('the operation', 'cloud_task'),
        quantity: schema.integer('how many', 1),
      }),
    ),
    held: schema.object({
      allowanceUnits: schema.integer('allowance units held when placed', 0),
      credits: schema.credits('credits held when placed'),
      allocations: ALLOCATIONS,
    }),
    expiresAt: schema.time('when an unsettled hold is released by itself'),
    usageId: schema.string('the usage id of its settlement (settled holds only)', 'u-1'),
  },
  ['usageId'],
);
