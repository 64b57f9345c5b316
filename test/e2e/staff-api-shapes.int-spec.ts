import type { DiscrepancyCounts, Me, Monitor, MonitorCounts, Page, StaffEntry, StaffUser, TokenResponse } from '@sanxian/api-types';
import { StaffRepository } from '@sanxian/persistence';
import { Hub, startHub } from '../support/hub-harness';
import { expectJson } from '../support/staff-api';

/**
 * The staff API answers with exactly the keys of its shared types (libs/api-types), which the
 * console compiles against: a key the server adds, drops or renames fails here. Each list is
 * checked against its type both ways at compile time (`keysOf`), so it cannot fall behind the type.
 */
type Exactly<T, K extends readonly (keyof T)[]> = [Exclude<keyof T, K[number]>] extends [never] ? K : { missing: Exclude<keyof T, K[number]> };
const keysOf = <T>() => <const K extends readonly (keyof T)[]>(keys: Exactly<T, K>) => [...(keys as readonly PropertyKey[])].map(String).sort();

const KEYS = {
  token: keysOf<TokenResponse>()(['accessToken', 'tokenType', 'expiresAt', 'user']),
  user: keysOf<StaffUser>()(['username', 'role', 'regionCode']),
  me: keysOf<Me>()(['userId', 'username', 'role', 'regionCode', 'scope']),
  staffEntry: keysOf<StaffEntry>()(['id', 'username', 'role', 'regionCode']),
  page: keysOf<Page<unknown>>()(['items', 'nextCursor']),
  counts: keysOf<DiscrepancyCounts>()(['byKind', 'byStatus', 'byTownship']),
  monitor: keysOf<Monitor>()(['from', 'to', 'agency', 'lateAfterDays', 'totals', 'agencies', 'days', 'stations', 'rejectionReasons', 'rejections', 'dead']),
  monitorCounts: keysOf<MonitorCounts>()(['received', 'initialLoad', 'late', 'lateShare', 'rejected', 'dead']),
};

const keys = (value: object) => Object.keys(value).sort();

describe('the staff API answers with the shared types', () => {
  let hub: Hub;
  let token: TokenResponse;
  const get = async (path: string) => expectJson(await fetch(hub.url + path, { headers: { authorization: `Bearer ${token.accessToken}` } }), 200);

  beforeAll(async () => {
    hub = await startHub({ worker: false });
    await hub.api.get(StaffRepository).create('shapes-county', 'shapes-test-password', 'county', null);
    token = await expectJson(await fetch(`${hub.url}/v1/auth/token`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'shapes-county', password: 'shapes-test-password' }),
    }), 200);
  });
  afterAll(() => hub?.close());

  it('signs in with a TokenResponse and a StaffUser', () => {
    expect(keys(token)).toEqual(KEYS.token);
    expect(keys(token.user)).toEqual(KEYS.user);
  });

  it('says who is signed in with a Me', async () => {
    expect(keys(await get('/v1/me'))).toEqual(KEYS.me);
  });

  it('lists staff as StaffEntry items', async () => {
    const directory = await get('/v1/staff');
    expect(keys(directory)).toEqual(['items']);
    expect(directory.items.length).toBeGreaterThan(0);
    for (const entry of directory.items) expect(keys(entry)).toEqual(KEYS.staffEntry);
  });

  it('pages discrepancies and link reviews as a Page', async () => {
    expect(keys(await get('/v1/discrepancies'))).toEqual(KEYS.page);
    expect(keys(await get('/v1/link-reviews'))).toEqual(KEYS.page);
  });

  it('counts discrepancies as DiscrepancyCounts', async () => {
    expect(keys(await get('/v1/discrepancies/counts'))).toEqual(KEYS.counts);
  });

  it('shows the exchange monitor as a Monitor, its counts as MonitorCounts', async () => {
    const monitor = await get('/v1/exchange/monitor');
    expect(keys(monitor)).toEqual(KEYS.monitor);
    expect(keys(monitor.totals)).toEqual(KEYS.monitorCounts);
    for (const agency of monitor.agencies) expect(keys(agency)).toEqual([...KEYS.monitorCounts, 'agency'].sort());
  });
});
