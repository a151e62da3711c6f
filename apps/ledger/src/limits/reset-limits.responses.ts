import { schema, type Schema } from '../http/openapi';
import { RESET_SCOPES } from './reset-limits.dto';

export const RESET_ANSWER_SCHEMA: Schema = schema.object({
  resetId: schema.string('', 'reset-1'),
  scope: schema.enum(RESET_SCOPES),
  plan: schema.nullable(schema.string('', 'plus')),
  accountId: schema.nullable(schema.string('', 'acct-1')),
  product: schema.nullable(schema.string('', 'codex')),
  reason: schema.string('', 'rate limits reset for launch'),
  resetAt: schema.time(),
  position: schema.position(),
});
