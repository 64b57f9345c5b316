import { AGENCIES, type StaffRole, type StaffUser } from '@sanxian/api-types';

/**
 * What each role may use: the menu shows only these, and pages hide actions the API would refuse.
 * The API refuses the rest (apps/api/src/auth/access-policy.ts): department liaisons see the
 * scoreboard, and the exchange monitor of their own agency.
 */
const PERMISSIONS = {
  discrepancies: ['admin', 'county', 'township', 'inspector'],
  resolve: ['admin', 'county', 'township'],
  assign: ['admin', 'county'],
  linkReviews: ['admin', 'county', 'township', 'inspector'],
  decideLinks: ['admin', 'county', 'township'],
  scoreboard: ['admin', 'county', 'township', 'inspector', 'department'],
  monitor: ['admin', 'county', 'inspector', 'department'],
  // The year's ledger names the officials the county admonished (the API's `ledger.read`).
  ledger: ['admin', 'county', 'inspector'],
  decideLedger: ['admin', 'county'],
  replayDead: ['admin'],
} as const satisfies Record<string, readonly StaffRole[]>;

export type Permission = keyof typeof PERMISSIONS;

export function can(role: StaffRole | undefined, permission: Permission): boolean {
  return role !== undefined && (PERMISSIONS[permission] as readonly StaffRole[]).includes(role);
}

/** A department liaison's agency: their account's region, when it names one (the monitor shows them that agency only). */
export function departmentAgency(user: Pick<StaffUser, 'role' | 'regionCode'> | null | undefined): string | null {
  return user?.role === 'department' && (AGENCIES as readonly string[]).includes(user.regionCode ?? '') ? user.regionCode : null;
}

/** What this user may use: the role, and for a department liaison's monitor, an agency named on the account. */
export function canUser(user: Pick<StaffUser, 'role' | 'regionCode'> | null | undefined, permission: Permission): boolean {
  if (!user || !can(user.role, permission)) return false;
  return permission !== 'monitor' || user.role !== 'department' || departmentAgency(user) !== null;
}

/** Where a user lands after signing in: the first page their role may use. */
export function homePath(role: StaffRole): string {
  return can(role, 'discrepancies') ? '/discrepancies' : '/scoreboard';
}
