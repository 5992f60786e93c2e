import { z } from 'zod';

/** One invalid environment variable and why it was rejected. */
export interface ConfigIssue {
  /** Variable name (nested paths are joined with '.'; a schema-level issue is reported as '(env)'). */
  variable: string;
  reason: string;
}

/**
 * Thrown by {@link loadConfig} when the environment does not satisfy the schema.
 * The message lists every bad variable, one per line: `KAFKA_BROKERS: required`.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly issues: readonly ConfigIssue[]) {
    super(
      `Invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n` +
        issues.map((issue) => `  ${issue.variable}: ${issue.reason}`).join('\n'),
    );
  }
}

/**
 * Empty variables (`FOO=` in a compose file or a shell) count as unset, so that defaults apply
 * and a required variable reports `required` rather than a format error.
 */
function withoutEmptyValues(env: NodeJS.ProcessEnv): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== '') result[key] = value;
  }
  return result;
}

function toConfigIssues(error: z.ZodError, env: Record<string, string>): ConfigIssue[] {
  return error.issues.map((issue) => {
    const variable = issue.path.length > 0 ? issue.path.map(String).join('.') : '(env)';
    const top = issue.path[0];
    const missing = typeof top === 'string' && env[top] === undefined;
    // A missing variable fails with zod's generic "expected string, received undefined":
    // say what an operator needs to hear instead.
    const reason = missing && issue.code === 'invalid_type' ? 'required' : issue.message;
    return { variable, reason };
  });
}

/**
 * Validates the environment against `schema` and returns the parsed, typed configuration.
 * Throws {@link ConfigError} listing every bad variable by name.
 */
export function loadConfig<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv = process.env): z.infer<T> {
  const input = withoutEmptyValues(env);
  const result = schema.safeParse(input);
  if (!result.success) throw new ConfigError(toConfigIssues(result.error, input));
  return result.data;
}

/**
 * Services call this first thing in main (fail fast): on invalid configuration it prints the
 * {@link ConfigError} message to stderr and exits with code 1. Any other error propagates.
 */
export function loadConfigOrExit<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv = process.env): z.infer<T> {
  try {
    return loadConfig(schema, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return process.exit(1);
  }
}
