import { randomUUID } from 'node:crypto';
import { StaffRepository, verifyPassword } from '@sanxian/persistence';
import { persistenceSuite } from '../../../../test/support/persistence-context';

describe('StaffRepository (staff users, tokens, the audit log)', () => {
  const ctx = persistenceSuite();
  let staff: StaffRepository;

  beforeAll(async () => {
    staff = ctx.get(StaffRepository);
  });

  it('creates a user with a password hash, never the password, and finds their credentials by username', async () => {
    const user = await staff.create('zhang.county', 'correct horse battery', 'county', null);
    expect(user).toMatchObject({ username: 'zhang.county', role: 'county', regionCode: null, disabledAt: null, tokenGeneration: 0 });
    const credentials = await staff.findCredentials('zhang.county');
    expect(credentials!.id).toBe(user.id);
    expect(credentials!.passwordHash).not.toContain('correct horse battery');
    expect(await verifyPassword('correct horse battery', credentials!.passwordHash)).toBe(true);
    expect(await staff.findCredentials('nobody')).toBeUndefined();
  });

  it('refuses a township user whose region is missing or neither a township (9 digits) nor a village (12), and a second user of one username', async () => {
    await expect(staff.create('li.township', 'pw-pw-pw-pw', 'township', null)).rejects.toThrow(/staff_user_township_has_region/);
    await expect(staff.create('li.township', 'pw-pw-pw-pw', 'township', '51132510')).rejects.toThrow(/staff_user_township_has_region/);
    await expect(staff.create('li.township', 'pw-pw-pw-pw', 'township', '5113251010')).rejects.toThrow(/staff_user_township_has_region/);
    await staff.create('li.township', 'pw-pw-pw-pw', 'township', '511325101');
    await staff.create('li.village', 'pw-pw-pw-pw', 'township', '511325101001');
    await expect(staff.create('li.township', 'other-password', 'county', null)).rejects.toThrow(/duplicate key/);
  });

  it('lists users by username, and a directory of enabled users filtered by role and region', async () => {
    await staff.create('wang.township', 'pw-pw-pw-pw', 'township', '511325102');
    await staff.create('zhao.township', 'pw-pw-pw-pw', 'township', '511325102');
    await staff.disable('zhao.township');
    const names = (await staff.list()).map((u) => u.username);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['zhao.township', 'wang.township', 'li.township', 'zhang.county']));

    const directory = await staff.directory({ role: 'township' });
    expect(directory.map((u) => u.username)).toEqual(['li.township', 'li.village', 'wang.township']);
    expect(Object.keys(directory[0]).sort()).toEqual(['id', 'regionCode', 'role', 'username']);
    expect((await staff.directory({ regionCode: '511325102' })).map((u) => u.username)).toEqual(['wang.township']);
    expect((await staff.directory({ role: 'county', regionCode: '511325101' }))).toEqual([]);
  });

  it('a token holds while its user is enabled, of the current generation and not signed out', async () => {
    const user = await staff.create('sun.inspector', 'pw-pw-pw-pw', 'inspector', null);
    const jti = randomUUID();
    expect(await staff.findTokenHolder(user.id, jti, 0)).toMatchObject({ id: user.id, username: 'sun.inspector' });
    expect(await staff.findTokenHolder(user.id, jti, 1)).toBeUndefined();

    const expires = new Date(Date.now() + 3600_000);
    await staff.revokeToken(jti, user.id, expires);
    await staff.revokeToken(jti, user.id, expires); // signing out twice is harmless
    expect(await staff.findTokenHolder(user.id, jti, 0)).toBeUndefined();
    expect(await staff.findTokenHolder(user.id, randomUUID(), 0)).toBeDefined();
  });

  it('disabling ends every token of the user; enabling again keeps those tokens ended', async () => {
    const user = await staff.create('qian.department', 'pw-pw-pw-pw', 'department', null);
    const disabled = await staff.disable('qian.department');
    expect(disabled).toMatchObject({ id: user.id, tokenGeneration: 1, disabledAt: expect.any(Date) });
    expect(await staff.findEnabled(user.id)).toBeUndefined();
    expect(await staff.findTokenHolder(user.id, randomUUID(), 0)).toBeUndefined();

    const enabled = await staff.enable('qian.department');
    expect(enabled).toMatchObject({ disabledAt: null, tokenGeneration: 1 });
    expect(await staff.findEnabled(user.id)).toMatchObject({ username: 'qian.department' });
    expect(await staff.findTokenHolder(user.id, randomUUID(), 0)).toBeUndefined();
    expect(await staff.findTokenHolder(user.id, randomUUID(), 1)).toBeDefined();
    expect(await staff.disable('nobody')).toBeUndefined();
    expect(await staff.enable('nobody')).toBeUndefined();
  });

  it('appends to the audit log, which refuses UPDATE, DELETE and TRUNCATE', async () => {
    const user = await staff.create('audit.admin', 'pw-pw-pw-pw', 'admin', null);
    await staff.audit({ userId: user.id, username: user.username, action: 'discrepancy.read', target: 'D-1', detail: { citizenIds: 1 } });
    await staff.audit({ userId: null, username: null, action: 'sign-in.failed' });
    const rows = await ctx.sql(`SELECT user_id, username, action, target, detail FROM audit_log ORDER BY id`);
    expect(rows).toEqual([
      { user_id: user.id, username: 'audit.admin', action: 'discrepancy.read', target: 'D-1', detail: { citizenIds: 1 } },
      { user_id: null, username: null, action: 'sign-in.failed', target: null, detail: null },
    ]);
    await expect(ctx.sql(`UPDATE audit_log SET action = 'edited'`)).rejects.toThrow(/append-only/);
    await expect(ctx.sql(`DELETE FROM audit_log`)).rejects.toThrow(/append-only/);
    await expect(ctx.sql(`TRUNCATE audit_log`)).rejects.toThrow(/append-only/);
    expect(await ctx.sql(`SELECT count(*)::int AS n FROM audit_log`)).toEqual([{ n: 2 }]);
  });
});
