import { Injectable, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { invalidRequest, type FieldError } from './problem-details';

/** Validates (and parses) a body or query with a zod schema; failures are 400 problem details naming each field. */
@Injectable()
export class ZodValidationPipe<Schema extends z.ZodType> implements PipeTransform<unknown, z.infer<Schema>> {
  constructor(private readonly schema: Schema) {}

  transform(value: unknown): z.infer<Schema> {
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    throw invalidRequest(zodFieldErrors(result.error));
  }
}

export function zodFieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({
    field: issue.path.length ? issue.path.map(String).join('.') : '(body)',
    reason: issue.message,
  }));
}
