export { INTERNAL_TOKEN, InternalAuthGuard, InternalHeaders, Scope, type Actor, type RequestScope } from './internal-auth.guard';
export {
  PROBLEM_CONTENT_TYPE,
  ProblemException,
  conflict,
  invalidRequest,
  notFound,
  unauthorized,
  type FieldError,
  type ProblemDetails,
} from './problem-details';
export { ParseIdPipe } from './parse-id.pipe';
export { ProblemDetailsFilter } from './problem-details.filter';
export { runService, start, type ServiceDefinition } from './run-service';
export { SERVICE_CONFIG, serviceConfigSchema, type ServiceConfig } from './service.config';
export { ZodValidationPipe, zodFieldErrors } from './zod-validation.pipe';
export { SecretBox } from './secret-box';
export { cursor, encodeCursor, isUuid, limit, uuid } from './request-schemas';
export { retentionProvider } from './retention';
