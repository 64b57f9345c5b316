import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * A citizen id or name as the hub sealed it before 2026-12-07 (`p1:`, AES-256-GCM: IV ‖ tag ‖ ciphertext,
 * under a key derived from SECRETS_KEY): the hub reads that format but no longer writes it, so tests and
 * benchmarks of databases sealed then make such values here. personal-data-cipher.spec.ts pins the format
 * with fixed values.
 */
export function sealedFormerly(secretsKey: Buffer, value: string): string {
  const key = Buffer.from(hkdfSync('sha256', secretsKey, Buffer.alloc(0), 'sanxian personal data at rest', 32));
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return 'p1:' + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}
