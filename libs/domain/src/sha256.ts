import { createHash } from 'node:crypto';

/** Lowercase hex SHA-256: of request bodies (signatures) and of stored payloads (the message log). */
export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}
