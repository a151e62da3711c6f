import { SetMetadata } from '@nestjs/common';
import type { Role } from './api-keys';

export const ROLES_KEY = 'ledger:roles';
export const PUBLIC_KEY = 'ledger:public';

/** The roles allowed on a route. Routes without @Roles or @Public are refused: deny by default. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

/** A route anyone may call (health, metrics, docs). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
