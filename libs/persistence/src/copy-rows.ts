import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { QueryRunner } from 'typeorm';
import { CopyValue, copyTextChunks } from './copy-text';

export * from './copy-text';

/**
 * Streams rows into a table with COPY on the runner's own connection, inside its transaction:
 * the fastest way PostgreSQL takes many rows, several times an INSERT of the same rows.
 */
export async function copyRows(runner: QueryRunner, table: string, columns: string[], rows: Iterable<CopyValue[]>): Promise<void> {
  await copyEncoded(runner, table, columns, copyTextChunks(rows));
}

/** COPY of text already encoded by copyTextChunks or closeRows (encoded ahead, so that only bytes wait on the database). */
export async function copyEncoded(runner: QueryRunner, table: string, columns: string[], chunks: Iterable<Buffer>): Promise<void> {
  const client = (runner as unknown as { databaseConnection: PoolClient }).databaseConnection;
  const sink = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
  await pipeline(Readable.from(chunks, { objectMode: false }), sink);
}
