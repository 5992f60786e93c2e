import type { JsonObject } from '@bufbuild/protobuf';

/*
 * Step templates: plain text with `{{variable}}` tags. The variables are the lead's
 * `firstName`, `lastName`, `email`, `companyName`, and its custom fields as
 * `{{customFields.<name>}}` (any name) or `{{<name>}}` (a name of letters, digits, `_` and `-`).
 * A variable the lead does not have renders as an empty string. Anything else between `{{` and
 * `}}`, or a `{{` never closed, is refused when the sequence is saved.
 */

export const STANDARD_VARIABLES = ['firstName', 'lastName', 'email', 'companyName'] as const;
type StandardVariable = (typeof STANDARD_VARIABLES)[number];

export interface TemplateVariables {
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly email: string | null;
  readonly companyName: string | null;
  readonly customFields: JsonObject;
}

type Part = { readonly text: string } | { readonly standard: StandardVariable } | { readonly customField: string };

const FIELD_NAME = /^[\p{L}\p{N}_-]+$/u;
const MAX_FIELD_NAME = 100;
const USAGE = 'use {{firstName}}, {{lastName}}, {{email}}, {{companyName}}, {{customFields.<name>}} or {{<custom field name>}}';

export class TemplateSyntaxError extends Error {
  override name = 'TemplateSyntaxError';
}

function variableOf(tag: string, at: number): Part {
  const name = tag.trim();
  if ((STANDARD_VARIABLES as readonly string[]).includes(name)) return { standard: name as StandardVariable };
  if (name.startsWith('customFields.')) {
    const field = name.slice('customFields.'.length).trim();
    if (field && field.length <= MAX_FIELD_NAME && !/[{}]/.test(field)) return { customField: field };
  } else if (name.length <= MAX_FIELD_NAME && FIELD_NAME.test(name)) {
    return { customField: name };
  }
  const shown = tag.length > 40 ? `${tag.slice(0, 39)}…` : tag;
  throw new TemplateSyntaxError(`{{${shown}}} at character ${at + 1} is not a variable: ${USAGE}`);
}

/** Splits a template into text and variables; throws TemplateSyntaxError on anything else. */
export function parseTemplate(template: string): Part[] {
  const parts: Part[] = [];
  let position = 0;
  while (position < template.length) {
    const open = template.indexOf('{{', position);
    if (open < 0) break;
    const close = template.indexOf('}}', open + 2);
    if (close < 0) throw new TemplateSyntaxError(`{{ at character ${open + 1} is not closed with }}`);
    if (open > position) parts.push({ text: template.slice(position, open) });
    parts.push(variableOf(template.slice(open + 2, close), open));
    position = close + 2;
  }
  if (position < template.length) parts.push({ text: template.slice(position) });
  return parts;
}

/** Why a template would be refused; empty when it is valid. */
export function templateProblems(template: string): string[] {
  try {
    parseTemplate(template);
    return [];
  } catch (error) {
    if (error instanceof TemplateSyntaxError) return [error.message];
    throw error;
  }
}

/** A custom field's value as text: strings, numbers and booleans as written; anything else (null, lists, objects) empty. */
function fieldText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

/** The template with each variable replaced by the lead's value (raw text: the caller escapes for where it goes). */
export function renderTemplate(template: string, variables: TemplateVariables): string {
  return parseTemplate(template)
    .map((part) => {
      if ('text' in part) return part.text;
      if ('standard' in part) return variables[part.standard] ?? '';
      return Object.hasOwn(variables.customFields, part.customField) ? fieldText(variables.customFields[part.customField]) : '';
    })
    .join('');
}
