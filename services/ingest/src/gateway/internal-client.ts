import { HttpService } from '@nestjs/axios';
import { HttpException, Inject, Injectable } from '@nestjs/common';
import { INTERNAL_TOKEN, InternalHeaders, PROBLEM_CONTENT_TYPE, type RequestScope } from '@leads/service';
import type { AxiosResponse, Method } from 'axios';
import { firstValueFrom } from 'rxjs';

export interface ForwardRequest {
  method: Method;
  path: string;
  query?: Record<string, unknown>;
  body?: unknown;
}

/** A problem answered by an internal service, passed on to the client as it is. */
export class ForwardedProblem extends HttpException {
  constructor(readonly problem: Record<string, unknown>, status: number) {
    super(problem, status);
  }
}

/**
 * Calls an internal service's HTTP API on behalf of a resolved workspace and actor, with the
 * internal token. Its 4xx problem details reach the client unchanged; anything else is a 502.
 */
@Injectable()
export class InternalClient {
  constructor(
    private readonly http: HttpService,
    @Inject(INTERNAL_TOKEN) private readonly token: string,
  ) {}

  async call<T>(baseUrl: string, scope: RequestScope, request: ForwardRequest): Promise<T> {
    const response: AxiosResponse = await firstValueFrom(
      this.http.request({
        baseURL: baseUrl,
        url: request.path,
        method: request.method,
        params: request.query,
        data: request.body,
        timeout: 10_000,
        validateStatus: () => true,
        headers: {
          [InternalHeaders.token]: this.token,
          [InternalHeaders.workspace]: scope.workspaceId,
          [InternalHeaders.actorKind]: scope.actor.kind,
          [InternalHeaders.actorId]: scope.actor.id,
        },
      }),
    );
    if (response.status < 300) return response.data as T;
    if (response.status < 500 && String(response.headers['content-type'] ?? '').startsWith(PROBLEM_CONTENT_TYPE)) {
      throw new ForwardedProblem(response.data, response.status);
    }
    throw new HttpException('An internal service failed to answer.', 502);
  }
}
