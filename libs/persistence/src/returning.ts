import { DataSource, EntityManager } from 'typeorm';

/**
 * The rows an UPDATE or DELETE … RETURNING gives back. TypeORM answers those two commands with
 * [rows, rowCount]; as a CTE under a SELECT the statement answers with its rows like any query.
 */
export async function returning<T = any>(tx: EntityManager | DataSource, statement: string, params: unknown[]): Promise<T[]> {
  return tx.query(`WITH changed AS (${statement}) SELECT * FROM changed`, params);
}
