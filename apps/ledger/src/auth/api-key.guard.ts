import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiKeyRing, bearerKeyOf, type Principal, type Role } from './api-keys';
import { PUBLIC_KEY, ROLES_KEY } from './roles.decorator';

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly ring: ApiKeyRing,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const key = bearerKeyOf(request.headers.authorization);
    const principal = key === undefined ? undefined : this.ring.authenticate(key);
    if (!principal)
      throw new UnauthorizedException('a valid API key is required: Authorization: Bearer <key>');
    const allowed = this.reflector.getAllAndOverride<Role[]>(ROLES_KEY, targets) ?? [];
    if (!allowed.some((role) => principal.roles.has(role))) {
      throw new ForbiddenException(`this endpoint needs one of the roles: ${allowed.join(', ') || '(none)'}`);
    }
    request.principal = principal;
    return true;
  }
}
