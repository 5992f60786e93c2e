import { ApiBody, ApiResponse } from '@nestjs/swagger';
import { applyDecorators } from '@nestjs/common';
import { z } from 'zod';

type JsonSchema = Record<string, unknown>;

/** The OpenAPI body of a route, from the same zod schema that validates it. */
export function ApiJsonBody(schema: z.ZodType, description?: string) {
  return ApiBody({ schema: z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema, description });
}

/** A documented response, with an optional zod schema or a plain JSON schema. */
export function ApiJsonResponse(status: number, description: string, schema?: z.ZodType | JsonSchema) {
  const jsonSchema = schema instanceof z.ZodType ? (z.toJSONSchema(schema, { unrepresentable: 'any' }) as JsonSchema) : schema;
  return applyDecorators(ApiResponse({ status, description, ...(jsonSchema ? { schema: jsonSchema } : {}) }));
}

export const problemSchema: JsonSchema = {
  type: 'object',
  description: 'RFC 9457 problem details (application/problem+json)',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', properties: { field: { type: 'string' }, reason: { type: 'string' } } },
    },
  },
};
