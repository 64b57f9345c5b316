import { createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { crypto_aead_xchacha20poly1305_ietf_decrypt, crypto_aead_xchacha20poly1305_ietf_encrypt } from 'sodium-native';

/**
 * Marks a value sealed in the current format: XChaCha20-Poly1305 (libsodium's IETF construction), a random
 * 24-byte nonce, base64 of nonce ‖ ciphertext ‖ 16-byte tag.
 */
const SEALED_PREFIX = 'p2:';
const NONCE_BYTES = 24;
const TAG_BYTES = 16;
const NONCE_POOL = 4096;
/** Keyed hashes remembered per process (an id and its hash: about 150 bytes each). */
const LOOKUP_MEMO = 100_000;

/**
 * The format values were sealed in before: AES-256-GCM, a random 12-byte IV, base64 of IV ‖ 16-byte tag ‖
 * ciphertext. Still opened (a database sealed then holds them until `sanxian secrets rotate` re-seals them in
 * the current format); never written.
 */
const FORMER_PREFIX = 'p1:';
const FORMER_IV_BYTES = 12;

/** Two pieces of output as one buffer; GCM's `final` gives none, so most of the time there is nothing to copy. */
function joined(body: Buffer, tail: Buffer): Buffer {
  return tail.length ? Buffer.concat([body, tail]) : body;
}

/** A key of its own for each use, derived from the hub's key, so that no two uses ever share one. */
function derivedKey(secretsKey: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secretsKey, Buffer.alloc(0), purpose, 32));
}

/**
 * Citizen ids and names at rest. A value is sealed with XChaCha20-Poly1305 through libsodium (a fresh random
 * nonce each time, so equal values look different in a dump) and, where SQL must find or join rows by it,
 * kept beside it as a keyed hash (HMAC-SHA-256): equal ids give equal hashes, and without the key a hash
 * cannot be recomputed from a guessed id. Every key is derived (HKDF) from the hub's SECRETS_KEY, which is
 * never in the database. Only repositories use this: everything above them sees plain values.
 *
 * Why libsodium and not node:crypto's AES-256-GCM, as before: node:crypto makes a cipher object and context
 * per value (about 5 µs for an 18-character id), which made sealing the largest cost of processing a record;
 * libsodium's one call seals one in about 1.4 µs.
 */
export class PersonalDataCipher {
  private readonly sealKey: Buffer;
  /** Opens values sealed in the former format (AES-256-GCM) only. */
  private readonly formerSealKey: Buffer;
  private readonly lookupKey: Buffer;
  private readonly blockingKey: Buffer;
  /** Random nonces drawn a few thousand at a time: one call to the random source per value cost as much as the sealing itself. */
  private noncePool = Buffer.alloc(0);
  private nonceOffset = 0;
  private readonly lookups = new Map<string, string>();

  constructor(secretsKey: Buffer) {
    if (secretsKey.length !== 32) throw new Error('SECRETS_KEY must be 32 bytes');
    // A key of its own for the new cipher: a key is never used with two algorithms.
    this.sealKey = derivedKey(secretsKey, 'sanxian personal data at rest, XChaCha20-Poly1305');
    this.formerSealKey = derivedKey(secretsKey, 'sanxian personal data at rest');
    this.lookupKey = derivedKey(secretsKey, 'sanxian personal data lookup');
    this.blockingKey = derivedKey(secretsKey, 'sanxian linkage blocking');
  }

  seal(value: string | null | undefined): string | null {
    if (value === null || value === undefined) return null;
    const plain = Buffer.from(value, 'utf8');
    const sealed = Buffer.allocUnsafe(NONCE_BYTES + plain.length + TAG_BYTES);
    const nonce = sealed.subarray(0, NONCE_BYTES);
    this.takeNonce(nonce);
    crypto_aead_xchacha20poly1305_ietf_encrypt(sealed.subarray(NONCE_BYTES), plain, null, null, nonce, this.sealKey);
    return SEALED_PREFIX + sealed.toString('base64');
  }

  /** Fills `into` with a fresh random nonce, never one handed out before: each is its own slice of the pool, and a used-up pool is replaced. */
  private takeNonce(into: Buffer): void {
    if (this.nonceOffset + NONCE_BYTES > this.noncePool.length) {
      this.noncePool = randomBytes(NONCE_BYTES * NONCE_POOL);
      this.nonceOffset = 0;
    }
    this.noncePool.copy(into, 0, this.nonceOffset, this.nonceOffset + NONCE_BYTES);
    this.nonceOffset += NONCE_BYTES;
  }

  /** The plain value; a value altered in the database, or sealed under another key, fails here rather than reading as garbage. */
  open(sealed: string | null | undefined): string | null {
    if (sealed === null || sealed === undefined) return null;
    if (sealed.startsWith(SEALED_PREFIX)) {
      const bytes = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64');
      if (bytes.length < NONCE_BYTES + TAG_BYTES) throw new Error('a sealed personal-data value is too short');
      const plain = Buffer.allocUnsafe(bytes.length - NONCE_BYTES - TAG_BYTES);
      crypto_aead_xchacha20poly1305_ietf_decrypt(plain, null, bytes.subarray(NONCE_BYTES), null, bytes.subarray(0, NONCE_BYTES), this.sealKey);
      return plain.toString('utf8');
    }
    if (sealed.startsWith(FORMER_PREFIX)) return this.openFormer(sealed);
    throw new Error('a personal-data column holds a value that is not sealed');
  }

  private openFormer(sealed: string): string {
    const bytes = Buffer.from(sealed.slice(FORMER_PREFIX.length), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.formerSealKey, bytes.subarray(0, FORMER_IV_BYTES));
    decipher.setAuthTag(bytes.subarray(FORMER_IV_BYTES, FORMER_IV_BYTES + TAG_BYTES));
    return joined(decipher.update(bytes.subarray(FORMER_IV_BYTES + TAG_BYTES)), decipher.final()).toString('utf8');
  }

  /** The keyed hash SQL finds and joins rows by (base64url, 43 characters). */
  lookup(value: string | null | undefined): string | null {
    if (value === null || value === undefined) return null;
    // A run asks for one person's hash several times (look-ups, scopes, subjects): remembered, up to a bound.
    let hash = this.lookups.get(value);
    if (hash === undefined) {
      hash = createHmac('sha256', this.lookupKey).update(value, 'utf8').digest('base64url');
      if (this.lookups.size >= LOOKUP_MEMO) this.lookups.clear();
      this.lookups.set(value, hash);
    }
    return hash;
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
