import { isStaffRole, scopeCode, scopeCovers, scopeFor, scopeTownship, usernameProblem } from './staff-role';

describe('staff roles and region scopes', () => {
  it('knows the five roles', () => {
    expect(['admin', 'county', 'township', 'inspector', 'department'].every(isStaffRole)).toBe(true);
    expect(isStaffRole('root')).toBe(false);
  });

  it('limits a township user to their township', () => {
    const scope = scopeFor('township', '511325101');
    expect(scopeCovers(scope, '511325101002')).toBe(true);
    expect(scopeCovers(scope, '511325101')).toBe(true);
    expect(scopeCovers(scope, '511325102001')).toBe(false);
  });

  it('limits a township user with a village code to their village', () => {
    const scope = scopeFor('township', '511325101002');
    expect(scope).toEqual({ level: 'village', code: '511325101002' });
    expect(scopeCovers(scope, '511325101002')).toBe(true);
    expect(scopeCovers(scope, '511325101003')).toBe(false);
    expect(scopeCovers(scope, '511325101')).toBe(false);
    expect(scopeTownship(scope)).toBe('511325101');
    expect(scopeCode(scope)).toBe('511325101002');
  });

  it('lets county-wide roles see every township', () => {
    expect(scopeCovers(scopeFor('county', null), '511325102001')).toBe(true);
    expect(scopeCovers(scopeFor('inspector', '511325'), '511325232203')).toBe(true);
  });

  it('refuses a township user without a township or village code', () => {
    expect(() => scopeFor('township', null)).toThrow(/9-digit/);
    expect(() => scopeFor('township', '5113251010')).toThrow(/9-digit township or a 12-digit village/);
  });

  it('takes usernames of 1–64 characters without control characters or lone surrogates', () => {
    expect(usernameProblem('zhang.xiuying')).toBeUndefined();
    expect(usernameProblem('张秀英')).toBeUndefined();
    expect(usernameProblem('😀'.repeat(32))).toBeUndefined();
    expect(usernameProblem('')).toMatch(/1–64/);
    expect(usernameProblem('x'.repeat(65))).toMatch(/1–64/);
    expect(usernameProblem('adm\u0000')).toMatch(/control/);
    expect(usernameProblem('adm\u0085')).toMatch(/control/);
    expect(usernameProblem('adm\ud800')).toMatch(/surrogate/);
    expect(usernameProblem('\udc00adm')).toMatch(/surrogate/);
  });
});
