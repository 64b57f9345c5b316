import type { StaffRole } from '../api/types';

/**
 * What each role may use: the menu shows only these, and pages hide actions the API would refuse.
 * Department liaisons may read the queue through the API, but the queue is the FP offices' work:
 * their console shows the scoreboard.
 */
const PERMISSIONS = {
  discrepancies: ['admin', 'county', 'township', 'inspector'],
  resolve: ['admin', 'county', 'township'],
  assign: ['admin', 'county'],
  linkReviews: ['admin', 'county', 'township', 'inspector'],
  decideLinks: ['admin', 'county', 'township'],
  scoreboard: ['admin', 'county', 'township', 'inspector', 'department'],
} as const satisfies Record<string, readonly StaffRole[]>;

export type Permission = keyof typeof PERMISSIONS;

export function can(role: StaffRole | undefined, permission: Permission): boolean {
  return role !== undefined && (PERMISSIONS[permission] as readonly StaffRole[]).includes(role);
}

/** Where a user lands after signing in: the first page their role may use. */
export function homePath(role: StaffRole): string {
  return can(role, 'discrepancies') ? '/discrepancies' : '/scoreboard';
}
