import { hashPassword, verifyPassword } from './password-hash';

describe('password hashes', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('西充-2026-secret');
    expect(stored).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await verifyPassword('西充-2026-secret', stored)).toBe(true);
    expect(await verifyPassword('西充-2026-Secret', stored)).toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same')).not.toEqual(await hashPassword('same'));
  });

  it('refuses a stored value of an unknown scheme', async () => {
    expect(await verifyPassword('x', 'md5$abc')).toBe(false);
  });
});
