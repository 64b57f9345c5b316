import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { QueryRunner } from 'typeorm';

/** COPY's text format: backslash, tab and line breaks escaped; \N is NULL. */
function field(value: string | null): string {
  if (value === null) return '\\N';
  return /[\\\t\n\r]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : value;
}

const CHUNK_BYTES = 1 << 18;
const TAB = 0x09;
const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;
const CARRIAGE_RETURN = 0x0d;

/** A value already UTF-8 (a payload kept as bytes): escaped byte-wise where it needs it, else copied. */
function escapedBytes(bytes: Buffer): Buffer {
  if (bytes.indexOf(BACKSLASH) === -1 && bytes.indexOf(TAB) === -1 && bytes.indexOf(NEWLINE) === -1 && bytes.indexOf(CARRIAGE_RETURN) === -1) return bytes;
  return Buffer.from(field(bytes.toString('utf8')));
}

/** A COPY field: text, bytes that are UTF-8 text, or NULL. */
export type CopyValue = string | Buffer | null;

/**
 * COPY text of the rows, encoded field by field straight into buffers of about CHUNK_BYTES. Building one
 * long string and encoding it afterwards cost three times as much: the api and the worker send every
 * record through here.
 */
export function* copyTextChunks(rows: Iterable<CopyValue[]>): Generator<Buffer> {
  let buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let offset = 0;
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) {
      const value = row[i];
      const bytes = Buffer.isBuffer(value) ? escapedBytes(value) : undefined;
      const text = bytes ? '' : field(value as string | null);
      const most = bytes ? bytes.length + 1 : text.length * 3 + 1; // UTF-8 needs at most 3 bytes for a UTF-16 code unit
      if (offset + most > buffer.length) {
        if (offset > 0) yield buffer.subarray(0, offset);
        buffer = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, most));
        offset = 0;
      }
      offset += bytes ? bytes.copy(buffer, offset) : buffer.write(text, offset);
      buffer[offset++] = i === row.length - 1 ? NEWLINE : TAB;
    }
  }
  if (offset > 0) yield buffer.subarray(0, offset);
}

/**
 * Streams rows into a table with COPY on the runner's own connection, inside its transaction:
 * the fastest way PostgreSQL takes many rows, several times an INSERT of the same rows.
 */
export async function copyRows(runner: QueryRunner, table: string, columns: string[], rows: Iterable<CopyValue[]>): Promise<void> {
  await copyEncoded(runner, table, columns, copyTextChunks(rows));
}

/** COPY of text already encoded by copyTextChunks (encoded ahead, so that only bytes wait on the database). */
export async function copyEncoded(runner: QueryRunner, table: string, columns: string[], chunks: Iterable<Buffer>): Promise<void> {
  const client = (runner as unknown as { databaseConnection: PoolClient }).databaseConnection;
  const sink = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
  await pipeline(Readable.from(chunks, { objectMode: false }), sink);
}
