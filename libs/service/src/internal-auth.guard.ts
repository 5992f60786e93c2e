import { timingSafeEqual } from 'node:crypto';
import { HttpStatus, Inject, Injectable, createParamDecorator, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ProblemException, unauthorized } from './problem-details';

/** Injection token of the shared secret between the gateway and the internal services. */
export const INTERNAL_TOKEN = Symbol.for('@leads/service.internal-token');

/** Who is acting, as the gateway tells the internal services. */
export interface Actor {
  readonly kind: 'user' | 'api_key' | 'system';
  readonly id: string;
}

/** The workspace and actor of an internal request, resolved by the gateway. */
export interface RequestScope {
  readonly workspaceId: string;
  readonly actor: Actor;
}

/** Headers the gateway sets on every call to an internal service. */
export const InternalHeaders = {
  token: 'x-internal-token',
  workspace: 'x-workspace-id',
  actorKind: 'x-actor-kind',
  actorId: 'x-actor-id',
} as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ACTOR_KINDS = new Set(['user', 'api_key', 'system']);

type ScopedRequest = FastifyRequest & { scope?: RequestScope };

/**
 * Internal services answer only the gateway: the shared INTERNAL_TOKEN, compared in constant
 * time, and a workspace id that every query is then scoped to.
 */
@Injectable()
export class InternalAuthGuard implements CanActivate {
  private readonly token: Buffer;

  constructor(@Inject(INTERNAL_TOKEN) token: string) {
    this.token = Buffer.from(token);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<ScopedRequest>();
    const given = Buffer.from(String(request.headers[InternalHeaders.token] ?? ''));
    if (given.length !== this.token.length || !timingSafeEqual(given, this.token)) {
      throw unauthorized('This is an internal API: call it through the gateway.');
    }
    const workspaceId = String(request.headers[InternalHeaders.workspace] ?? '');
    const kind = String(request.headers[InternalHeaders.actorKind] ?? 'system');
    if (!UUID.test(workspaceId) || !ACTOR_KINDS.has(kind)) {
      throw new ProblemException(HttpStatus.BAD_REQUEST, 'invalid-scope', 'The workspace or actor headers are invalid.');
    }
    request.scope = { workspaceId, actor: { kind: kind as Actor['kind'], id: String(request.headers[InternalHeaders.actorId] ?? '') } };
    return true;
  }
}

/** `@Scope() scope: RequestScope` in a handler behind InternalAuthGuard. */
export const Scope = createParamDecorator((_: unknown, context: ExecutionContext): RequestScope => {
  const scope = context.switchToHttp().getRequest<ScopedRequest>().scope;
  if (!scope) throw new Error('@Scope() used on a route without InternalAuthGuard');
  return scope;
});
