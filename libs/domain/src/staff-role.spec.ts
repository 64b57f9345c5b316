import { isStaffRole, scopeCovers, scopeFor } from './staff-role';

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

  it('lets county-wide roles see every township', () => {
    expect(scopeCovers(scopeFor('county', null), '511325102001')).toBe(true);
    expect(scopeCovers(scopeFor('inspector', '511325'), '511325232203')).toBe(true);
  });

  it('refuses a township user without a township code', () => {
    expect(() => scopeFor('township', null)).toThrow(/9-digit/);
    expect(() => scopeFor('township', '511325101002')).toThrow(/9-digit/);
  });
});
