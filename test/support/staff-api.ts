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
