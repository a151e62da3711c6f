import { Controller, Get, Header, Inject, NotFoundException, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuthenticatedRequest } from '../auth/api-key.guard';
import { ROLES, type Role } from '../auth/api-keys';
import { Public, Roles } from '../auth/roles.decorator';
import { CLOCK, type Clock } from '../clock/clock';
import { ApiAnswer, ApiErrors, schema } from '../http/openapi';
import type { ConsoleAsset } from './console-assets';
import { CONSOLE_ASSETS } from './console.tokens';

/**
 * Everything the page loads comes from the ledger itself (SPEC §9: no CDN). Scripts and styles
 * only from here, no inline script, no framing: a page that holds an API key must not run anything else.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const NOT_BUILT_PAGE = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Ledger console</title>
<h1>The console is not built</h1><p>Run <code>npm run build:console</code> (part of <code>npm run build</code>) and restart the ledger.</p></html>`;

/** What GET /console/api/session answers: who the key is, and the ledger's time (simulated or not). */
export interface ConsoleSession {
  readonly keyId: string;
  readonly roles: readonly Role[];
  readonly now: string;
}

@ApiTags('console')
@Controller('console')
export class ConsoleController {
  constructor(
    @Inject(CONSOLE_ASSETS) private readonly assets: ReadonlyMap<string, ConsoleAsset> | undefined,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** The page; no role needed to load it: every call it makes carries the key typed into it. */
  @Public()
  @Get()
  @ApiExcludeEndpoint()
  page(@Res() reply: FastifyReply): FastifyReply {
    const index = this.assets?.get('index.html');
    secure(reply.header('cache-control', 'no-cache'));
    if (index === undefined) return reply.status(503).type('text/html; charset=utf-8').send(NOT_BUILT_PAGE);
    return reply.type(index.contentType).send(index.body);
  }

  /** The roles of the key the page signs in with; the page shows the views they allow. */
  @Get('api/session')
  @Roles(...ROLES)
  @Header('cache-control', 'no-store')
  @ApiAnswer(
    200,
    'The key: its opaque id, its roles, and the ledger clock',
    schema.object({
      keyId: schema.string('opaque key id, as audit records show it', 'k-1a2b3c4d5e6f7a8b'),
      roles: schema.array(schema.string('', 'support')),
      now: schema.time(),
    }),
  )
  @ApiErrors(401)
  @ApiOperation({ summary: 'Who the presented key is (the console signs in with it)' })
  session(@Req() request: AuthenticatedRequest): ConsoleSession {
    const principal = request.principal;
    // The guard has authenticated the request before the handler runs; a missing principal is a bug.
    if (principal === undefined) throw new Error('console session without a principal');
    return {
      keyId: principal.keyId,
      roles: ROLES.filter((role) => principal.roles.has(role)),
      now: new Date(this.clock.now()).toISOString(),
    };
  }

  @Public()
  @Get(':asset')
  @ApiExcludeEndpoint()
  asset(@Param('asset') name: string, @Res() reply: FastifyReply): FastifyReply {
    const asset = name === 'index.html' ? undefined : this.assets?.get(name);
    if (asset === undefined) throw new NotFoundException(`no console file "${name}"`);
    // Names are stable across builds (no hashes): revalidate, so a new build is picked up at once.
    return secure(reply.header('cache-control', 'no-cache')).type(asset.contentType).send(asset.body);
  }
}

function secure(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer');
}
