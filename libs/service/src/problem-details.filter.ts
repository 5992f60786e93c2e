import { Catch, HttpException, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { LOGGER } from '@leads/observability';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { PROBLEM_CONTENT_TYPE, ProblemException, problemType, titleOf, type ProblemDetails } from './problem-details';

/** Fastify's own request errors (body too large, bad JSON, wrong media type) carry these. */
interface FastifyRequestError {
  statusCode?: number;
  code?: string;
  message?: string;
}

/**
 * Renders every HTTP error as RFC 9457 problem details. Unknown errors are logged with their
 * stack and answered with a generic 500 that leaks nothing.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const problem = this.toProblem(exception, request.url.split('?')[0]);
    if (problem.status >= 500) this.logger.error({ err: exception, url: request.url }, 'request failed');
    void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(problem);
  }

  private toProblem(exception: unknown, instance: string): ProblemDetails {
    if (exception instanceof ProblemException) return exception.toProblem(instance);
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      if (isProblem(response)) return response;
      const detail = typeof response === 'string' ? response : ((response as { message?: unknown }).message ?? exception.message);
      return { type: problemType(slug(status)), title: titleOf(status), status, detail: String(detail), instance };
    }
    const fastifyError = exception as FastifyRequestError;
    if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
      const status = fastifyError.statusCode;
      return { type: problemType(slug(status)), title: titleOf(status), status, detail: fastifyError.message, instance };
    }
    return { type: problemType('internal'), title: titleOf(500), status: 500, detail: 'An unexpected error occurred.', instance };
  }
}

function slug(status: number): string {
  return titleOf(status).toLowerCase().replaceAll(' ', '-');
}

/** A problem answered by another service and passed on unchanged. */
function isProblem(response: unknown): response is ProblemDetails {
  const candidate = response as Partial<ProblemDetails> | null;
  return typeof candidate?.type === 'string' && typeof candidate.status === 'number' && typeof candidate.title === 'string';
}
