import type { DataSource, EntityManager } from 'typeorm';

/** A DataSource or a transaction's EntityManager. */
export type Queryable = Pick<EntityManager, 'query'> | Pick<DataSource, 'query'>;

/** The rows of any statement: TypeORM answers UPDATE and DELETE (… RETURNING) with `[rows, count]`. */
export async function queryRows<Row>(db: Queryable, sql: string, params: readonly unknown[] = []): Promise<Row[]> {
  const result: unknown = await db.query(sql, [...params]);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as Row[];
  }
  return result as Row[];
}

/** Builds a parameterised WHERE clause: values only ever travel as parameters, never in the SQL text. */
export class Conditions {
  readonly params: unknown[];
  private readonly clauses: string[] = [];

  constructor(...params: unknown[]) {
    this.params = params;
  }

  /** Adds a parameter and returns its placeholder (`$n`). */
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  and(clause: string): this {
    this.clauses.push(clause);
    return this;
  }

  toString(): string {
    return this.clauses.length ? this.clauses.join(' AND ') : 'true';
  }
}

/** A LIKE pattern that finds `text` anywhere, its wildcards taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}
