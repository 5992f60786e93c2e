import { HttpException, HttpStatus } from '@nestjs/common';

/** One thing wrong with the request: which field (a JSON-pointer-like path) and why. */
export interface FieldError {
  readonly field: string;
  readonly reason: string;
}

/** RFC 9457 problem details, served as `application/problem+json`. */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly instance?: string;
  readonly errors?: readonly FieldError[];
  readonly [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const TYPE_BASE = 'https://500leads.dev/problems/';

/** An HTTP error that renders as problem details; `code` becomes the `type` URI. */
export class ProblemException extends HttpException {
  constructor(
    status: HttpStatus,
    readonly code: string,
    readonly detail: string,
    readonly errors?: readonly FieldError[],
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail, status);
  }

  toProblem(instance?: string): ProblemDetails {
    return {
      type: `${TYPE_BASE}${this.code}`,
      title: titleOf(this.getStatus()),
      status: this.getStatus(),
      detail: this.detail,
      ...(instance ? { instance } : {}),
      ...(this.errors?.length ? { errors: this.errors } : {}),
      ...this.extensions,
    };
  }
}

export const invalidRequest = (errors: readonly FieldError[], detail = 'The request has invalid fields.') =>
  new ProblemException(HttpStatus.BAD_REQUEST, 'invalid-request', detail, errors);
export const notFound = (what: string) => new ProblemException(HttpStatus.NOT_FOUND, 'not-found', `${what} not found.`);
export const conflict = (code: string, detail: string, extensions: Record<string, unknown> = {}) =>
  new ProblemException(HttpStatus.CONFLICT, code, detail, undefined, extensions);
export const unauthorized = (detail: string) => new ProblemException(HttpStatus.UNAUTHORIZED, 'unauthorized', detail);

export function titleOf(status: number): string {
  const name = HttpStatus[status];
  if (!name) return status >= 500 ? 'Internal Server Error' : 'Error';
  return name
    .toLowerCase()
    .split('_')
    .map((word) => word[0].toUpperCase() + word.slice(1))
    .join(' ');
}

export function problemType(code: string): string {
  return `${TYPE_BASE}${code}`;
}
