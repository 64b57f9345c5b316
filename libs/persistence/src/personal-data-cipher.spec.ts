import { randomBytes } from 'node:crypto';
import { sealedFormerly } from '../../../test/support/former-seal';
import { PersonalDataCipher } from './personal-data-cipher';

describe('PersonalDataCipher: citizen ids and names at rest', () => {
  const key = randomBytes(32);
  const pii = new PersonalDataCipher(key);

  it('seals a value so that only the hub\'s key opens it, differently each time', () => {
    const sealed = pii.seal('王芳');
    expect(sealed).toMatch(/^p2:[A-Za-z0-9+/]+=*$/);
    expect(sealed).not.toContain('王芳');
    expect(pii.seal('王芳')).not.toBe(sealed);
    expect(pii.open(sealed)).toBe('王芳');
    expect(new PersonalDataCipher(key).open(sealed)).toBe('王芳');
    expect(() => new PersonalDataCipher(randomBytes(32)).open(sealed)).toThrow();
  });

  it('refuses a sealed value altered in the database, and a value that was never sealed', () => {
    const sealed = pii.seal('511325199001010021')!;
    const bytes = Buffer.from(sealed.slice(3), 'base64');
    for (const at of [0, 24, bytes.length - 1]) {
      const altered = Buffer.from(bytes);
      altered[at] ^= 1; // the nonce, the ciphertext, the tag
      expect(() => pii.open(`p2:${altered.toString('base64')}`)).toThrow();
    }
    expect(() => pii.open(`p2:${bytes.subarray(0, 39).toString('base64')}`)).toThrow('too short');
    expect(() => pii.open('511325199001010021')).toThrow('not sealed');
  });

  // Sealed by the former format (AES-256-GCM, before 2026-12-07) under the key of 32 bytes of 7: a database
  // sealed then keeps such values until `sanxian secrets rotate` re-seals them.
  const FORMER_KEY = Buffer.alloc(32, 7);
  const FORMER_NAME = 'p1:/7f5fwootO7G1Pfz+G+ed2WyP9ccZ05OWyJYtDsO20iWnA==';
  const FORMER_ID = 'p1:udCXC+PqyV38wO+V4FZ3BIn4PMkAgABA1kL+rVLkTcXK0pyNyASDPSY1MZUzOg==';

  it('opens values sealed in the former format (p1:, AES-256-GCM), and refuses them altered or under another key', () => {
    const former = new PersonalDataCipher(FORMER_KEY);
    expect([former.open(FORMER_NAME), former.open(FORMER_ID)]).toEqual(['王芳', '511325199001010021']);
    expect(() => pii.open(FORMER_ID)).toThrow();
    const bytes = Buffer.from(FORMER_ID.slice(3), 'base64');
    bytes[bytes.length - 1] ^= 1;
    expect(() => former.open(`p1:${bytes.toString('base64')}`)).toThrow();
    // What it seals now is in the current format, and the keyed hash did not change with it.
    expect(former.seal('王芳')).toMatch(/^p2:/);
    expect(former.lookup('511325199001010021')).toBe('7dt7kIYNIICi1NjIFE-4xT_iWEXqy61VGR_EtyzGVBE');
    // What tests make as former values (test/support/former-seal.ts) is that format.
    expect(former.open(sealedFormerly(FORMER_KEY, '李小红'))).toBe('李小红');
  });

  it('seals any text, from empty to long, and opens it as it was', () => {
    for (const value of ['', '王', '511325199001010021', '𠀋𠀋 Ā\t\n', 'x'.repeat(5000)]) expect(pii.open(pii.seal(value))).toBe(value);
  });

  it('keeps null as null (no id is not an id)', () => {
    expect([pii.seal(null), pii.open(null), pii.lookup(null), pii.seal(undefined)]).toEqual([null, null, null, null]);
  });

  it('gives equal ids equal keyed hashes, which depend on the key and are not the plain SHA-256', () => {
    const id = '511325199001010021';
    expect(pii.lookup(id)).toBe(new PersonalDataCipher(key).lookup(id));
    expect(pii.lookup(id)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(pii.lookup(id)).not.toBe(pii.lookup('511325199001010022'));
    expect(pii.lookup(id)).not.toBe(new PersonalDataCipher(randomBytes(32)).lookup(id));
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => new PersonalDataCipher(randomBytes(16))).toThrow('32 bytes');
  });
});

describe('PersonalDataCipher nonces', () => {
  it('never gives two values the same nonce, across refills of its pool', () => {
    const pii = new PersonalDataCipher(randomBytes(32));
    const nonces = new Set<string>();
    for (let i = 0; i < 10_000; i++) nonces.add(Buffer.from(pii.seal('x')!.slice(3), 'base64').subarray(0, 24).toString('hex'));
    expect(nonces.size).toBe(10_000);
  });
});
