/** Staff roles: what a user may do. The region (for township users) decides what they may see. */
export const STAFF_ROLES = ['admin', 'county', 'township', 'inspector', 'department'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export function isStaffRole(value: string): value is StaffRole {
  return (STAFF_ROLES as readonly string[]).includes(value);
}

/**
 * What a user may see, as a value every scoped query must take: the whole county, or one
 * township (a 9-digit code), so that "forgot the township filter" cannot be written.
 */
export type RegionScope = { readonly kind: 'county' } | { readonly kind: 'township'; readonly townshipCode: string };

export function scopeFor(role: StaffRole, regionCode: string | null): RegionScope {
  if (role === 'township') {
    if (!regionCode || !/^\d{9}$/.test(regionCode)) throw new Error('a township user needs a 9-digit township code');
    return { kind: 'township', townshipCode: regionCode };
  }
  return { kind: 'county' };
}

/** Whether a region (village or township code) lies inside a scope. */
export function scopeCovers(scope: RegionScope, regionCode: string): boolean {
  return scope.kind === 'county' || regionCode.startsWith(scope.townshipCode);
}

const MAX_USERNAME = 64;
// C0 and C1 controls (NUL included) and lone surrogates: never part of a username.
const NOT_IN_USERNAME = /[\p{Cc}\p{Cs}]/u;

/** Why a text cannot be a username (sign-in answers 400, `users create` refuses it); undefined when it can. */
export function usernameProblem(username: string): string | undefined {
  if (username.length === 0 || username.length > MAX_USERNAME) return `must have 1–${MAX_USERNAME} characters`;
  if (NOT_IN_USERNAME.test(username)) return 'must not contain control characters or lone surrogates';
  return undefined;
}
