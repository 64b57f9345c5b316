import { randomBytes } from 'node:crypto';
import { PersonalDataCipher } from './personal-data-cipher';

describe('PersonalDataCipher: citizen ids and names at rest', () => {
  const key = randomBytes(32);
  const pii = new PersonalDataCipher(key);

  it('seals a value so that only the hub\'s key opens it, differently each time', () => {
    const sealed = pii.seal('王芳');
    expect(sealed).toMatch(/^p1:[A-Za-z0-9+/]+=*$/);
    expect(sealed).not.toContain('王芳');
    expect(pii.seal('王芳')).not.toBe(sealed);
    expect(pii.open(sealed)).toBe('王芳');
    expect(new PersonalDataCipher(key).open(sealed)).toBe('王芳');
    expect(() => new PersonalDataCipher(randomBytes(32)).open(sealed)).toThrow();
  });

  it('refuses a sealed value altered in the database, and a value that was never sealed', () => {
    const sealed = pii.seal('511325199001010021')!;
    const bytes = Buffer.from(sealed.slice(3), 'base64');
    bytes[bytes.length - 1] ^= 1;
    expect(() => pii.open(`p1:${bytes.toString('base64')}`)).toThrow();
    expect(() => pii.open('511325199001010021')).toThrow('not sealed');
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

describe('PersonalDataCipher IVs', () => {
  it('never gives two values the same IV, across refills of its pool', () => {
    const pii = new PersonalDataCipher(randomBytes(32));
    const ivs = new Set<string>();
    for (let i = 0; i < 10_000; i++) ivs.add(Buffer.from(pii.seal('x')!.slice(3), 'base64').subarray(0, 12).toString('hex'));
    expect(ivs.size).toBe(10_000);
  });
});
