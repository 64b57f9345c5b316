import type { StaffRole } from '@sanxian/domain';
import { StaffRepository } from '@sanxian/persistence';
import type { Hub, HubResponse } from './hub-harness';

/**
 * Calls the staff API as one of a suite's users (bearer token), or anonymously with `null`.
 * `hub` is read at call time, so a suite can build the caller before its hub has started.
 */
export function staffCaller<U extends string>(hub: () => Hub, users: Record<U, { token: string }>) {
  return (user: U | null, method: string, path: string, body?: unknown): Promise<HubResponse> =>
    fetch(hub().url + path, {
      method,
      headers: { ...(user ? { authorization: `Bearer ${users[user].token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
}

/** The parsed JSON body, after checking the status (the body is shown when it differs). */
export async function expectJson(res: HubResponse, status: number): Promise<any> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${text.slice(0, 2000)}`);
  return JSON.parse(text);
}

/** One staff account a suite signs in as: its key in the suite's users, role and region. */
export type StaffAccount<U extends string> = [key: U, role: StaffRole, regionCode: string | null];

/** Creates each account as the staff user `${prefix}-${key}` and signs it in, filling `users` with its id and bearer token. */
export async function signInStaff<U extends string>(hub: Hub, prefix: string, password: string, accounts: StaffAccount<U>[], users: Record<U, { id: string; token: string }>): Promise<void> {
  const staff = hub.api.get(StaffRepository);
  for (const [key, role, region] of accounts) {
    const user = await staff.create(`${prefix}-${key}`, password, role, region);
    const res = await fetch(`${hub.url}/v1/auth/token`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: `${prefix}-${key}`, password }),
    });
    users[key] = { id: user.id, token: (await expectJson(res, 200)).accessToken };
  }
}

type Exactly<T, K extends readonly (keyof T)[]> = [Exclude<keyof T, K[number]>] extends [never] ? K : { missing: Exclude<keyof T, K[number]> };
/** A type's keys, listed: the list is checked against the type both ways at compile time, so it cannot fall behind it. Sorted. */
export const keysOf = <T>() => <const K extends readonly (keyof T)[]>(keys: Exactly<T, K>) => [...(keys as readonly PropertyKey[])].map(String).sort();
