import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AuthenticatedRequest } from './api-key.guard';

/** Who sent the command, as recorded in its events: the roles and the non-secret id of the API key. */
export const Actor = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) return 'anonymous';
  return `${[...principal.roles].sort().join('+')}:${principal.keyId}`;
});
