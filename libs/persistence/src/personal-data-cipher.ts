import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/** Marks a sealed value (and its format: AES-256-GCM, 12-byte IV, 16-byte tag, base64). */
const SEALED_PREFIX = 'p1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const IV_POOL = 4096;

/** Two pieces of output as one buffer; GCM's `final` gives none, so most of the time there is nothing to copy. */
function joined(body: Buffer, tail: Buffer): Buffer {
  return tail.length ? Buffer.concat([body, tail]) : body;
}

/** A key of its own for each use, derived from the hub's key, so that no two uses ever share one. */
function derivedKey(secretsKey: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secretsKey, Buffer.alloc(0), purpose, 32));
}

/**
 * Citizen ids and names at rest. A value is sealed with AES-256-GCM (a fresh IV each time, so equal
 * values look different in a dump) and, where SQL must find or join rows by it, kept beside it as a
 * keyed hash (HMAC-SHA-256): equal ids give equal hashes, and without the key a hash cannot be
 * recomputed from a guessed id. Both keys are derived (HKDF) from the hub's SECRETS_KEY, which is
 * never in the database. Only repositories use this: everything above them sees plain values.
 */
export class PersonalDataCipher {
  private readonly sealKey: Buffer;
  private readonly lookupKey: Buffer;
  private readonly blockingKey: Buffer;
  /** Random IVs drawn a few thousand at a time: one call to the random source per value cost as much as the AES itself. */
  private ivPool = Buffer.alloc(0);
  private ivOffset = 0;

  constructor(secretsKey: Buffer) {
    if (secretsKey.length !== 32) throw new Error('SECRETS_KEY must be 32 bytes');
    this.sealKey = derivedKey(secretsKey, 'sanxian personal data at rest');
    this.lookupKey = derivedKey(secretsKey, 'sanxian personal data lookup');
    this.blockingKey = derivedKey(secretsKey, 'sanxian linkage blocking');
  }

  seal(value: string | null | undefined): string | null {
    if (value === null || value === undefined) return null;
    const iv = this.nextIv();
    const cipher = createCipheriv('aes-256-gcm', this.sealKey, iv);
    const body = joined(cipher.update(value, 'utf8'), cipher.final());
    return SEALED_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /** A fresh random IV, never one handed out before: each is its own slice of the pool, and a used-up pool is replaced. */
  private nextIv(): Buffer {
    if (this.ivOffset + IV_BYTES > this.ivPool.length) {
      this.ivPool = randomBytes(IV_BYTES * IV_POOL);
      this.ivOffset = 0;
    }
    const iv = this.ivPool.subarray(this.ivOffset, this.ivOffset + IV_BYTES);
    this.ivOffset += IV_BYTES;
    return iv;
  }

  /** The plain value; a value altered in the database, or sealed under another key, fails here rather than reading as garbage. */
  open(sealed: string | null | undefined): string | null {
    if (sealed === null || sealed === undefined) return null;
    if (!sealed.startsWith(SEALED_PREFIX)) throw new Error('a personal-data column holds a value that is not sealed');
    const bytes = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.sealKey, bytes.subarray(0, IV_BYTES));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return joined(decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()).toString('utf8');
  }

  /** The keyed hash SQL finds and joins rows by (base64url, 43 characters). */
  lookup(value: string | null | undefined): string | null {
    if (value === null || value === undefined) return null;
    return createHmac('sha256', this.lookupKey).update(value, 'utf8').digest('base64url');
  }

  /**
   * The keyed hash linkage's blocks are filed under (a blocking key holds pinyin of a name and a
   * birth year): 16 bytes of HMAC-SHA-256 under a key of its own. A collision could only add a
   * card to compare, never hide one.
   */
  blockingHash(token: string): Buffer {
    return createHmac('sha256', this.blockingKey).update(token, 'utf8').digest().subarray(0, 16);
  }

  /** Which key blocks were filed under, without revealing it: they are rebuilt when it changes. */
  blockingKeyCheck(): Buffer {
    return this.blockingHash('sanxian linkage blocking key check');
  }
}
