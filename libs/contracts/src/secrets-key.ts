import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { schemaRoot } from './schema-root';

/** Where the key file lives when SECRETS_KEY_FILE is unset: `.sanxian/` of the installation, whatever the working directory. */
export function defaultSecretsKeyFile(): string {
  return join(dirname(schemaRoot()), '.sanxian', 'secrets.key');
}

export interface FileSecretsKey {
  key: Buffer;
  path: string;
  /** Made by this call (the first start of the installation). */
  created: boolean;
  /** The file can be read by other users (its mode is not 0600). */
  exposed: boolean;
}

const KEY_PATTERN = /^[A-Za-z0-9+/]{43}=$/;

/**
 * The hub's key from a file, made with 32 random bytes (mode 0600) if there is none yet. The api,
 * worker and CLI of one installation read the same file; when two start at once, the first file
 * linked into place wins (a link never replaces a file) and the other reads it.
 */
export function loadOrCreateSecretsKey(path: string): FileSecretsKey {
  let created = false;
  try {
    statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const draft = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(draft, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(draft, 0o600);
    try {
      linkSync(draft, path);
      created = true;
    } catch (linkError) {
      if ((linkError as NodeJS.ErrnoException).code !== 'EEXIST') throw linkError;
    } finally {
      unlinkSync(draft);
    }
  }
  const text = readFileSync(path, 'utf8').trim();
  if (!KEY_PATTERN.test(text)) throw new Error(`${path}: not a key (base64 of 32 bytes); restore it from a backup, or set SECRETS_KEY (client secrets sealed under another key cannot be opened)`);
  return { key: Buffer.from(text, 'base64'), path, created, exposed: (statSync(path).mode & 0o077) !== 0 };
}
