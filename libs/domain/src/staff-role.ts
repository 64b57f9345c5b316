/**
 * Staff roles: what a user may do. The region decides what they may see: a township user works for
 * a township (乡镇计生办) or, with a 12-digit village code, for one village (村专干、村两委).
 */
export const STAFF_ROLES = ['admin', 'county', 'township', 'inspector', 'department'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export function isStaffRole(value: string): value is StaffRole {
  return (STAFF_ROLES as readonly string[]).includes(value);
}

/** How far down the lines a scope reaches: the whole county, one township and its villages, one village. */
export type ScopeLevel = 'county' | 'township' | 'village';

/**
 * What a user may see, as a value every scoped query must take: the whole county, or one region
 * (a 9-digit township or a 12-digit village code) whose code prefixes every row the user may see,
 * so that "forgot the region filter" cannot be written.
 */
export type RegionScope = { readonly level: 'county' } | { readonly level: 'township' | 'village'; readonly code: string };

export const COUNTY_SCOPE: RegionScope = { level: 'county' };

export function scopeFor(role: StaffRole, regionCode: string | null): RegionScope {
  if (role === 'township') {
    if (regionCode && /^\d{9}$/.test(regionCode)) return { level: 'township', code: regionCode };
    if (regionCode && /^\d{12}$/.test(regionCode)) return { level: 'village', code: regionCode };
    throw new Error('a township user needs a 9-digit township or a 12-digit village code');
  }
  return COUNTY_SCOPE;
}

/** Whether a region (village or township code) lies inside a scope: the scope's code prefixes it. */
export function scopeCovers(scope: RegionScope, regionCode: string): boolean {
  return scope.level === 'county' || regionCode.startsWith(scope.code);
}

/** The scope's region code, or null for the whole county. */
export function scopeCode(scope: RegionScope): string | null {
  return scope.level === 'county' ? null : scope.code;
}

/** The township a scope lies in (a village's township), or null for the whole county. */
export function scopeTownship(scope: RegionScope): string | null {
  return scope.level === 'county' ? null : scope.code.slice(0, 9);
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
