import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drawDay, publicValueOfHeads } from '@sanxian/domain';
import { ClientRepository } from '@sanxian/persistence';
import { runCli } from '../../support/cli-process';
import { chinaClock } from '../../support/china-clock';
import { Hub, startHub } from '../../support/hub-harness';
import type { PersistenceContext } from '../../support/persistence-context';
import { processRecords } from '../../support/process-records';
import { citizenId, registryCard } from '../../support/record-factory';
import { expectJson, signInStaff, staffCaller } from '../../support/staff-api';

/*
 * A spot-check campaign end to end on the real PostgreSQL: registry cards with groups and
 * households, a campaign frozen from them, the leader's sealed draw, who sees the points when, and
 * the inspected townships seeing nothing until publication.
 */

const PASSWORD = 'inspection-lottery-2026';
const TOWNSHIP = '511325101';
const OTHER_TOWNSHIP = '511325102';
/** A township the campaign does not cover. */
const UNCOVERED_TOWNSHIP = '511325104';
const VILLAGES = ['511325101002', '511325101003', '511325101205'];

type User = 'county' | 'township' | 'otherTownship' | 'uncovered' | 'leader' | 'member' | 'department';
const users = {} as Record<User, { id: string; token: string }>;
let hub: Hub;
const call = staffCaller(() => hub, users);


const soon = chinaClock(new Date(Date.now() + 5 * 60_000));
const later = chinaClock(new Date(Date.now() + 3 * 3600_000));
// Two different days even when "later" falls on the same date: the day of "later" is moved a day on.
const laterDate = later.date === soon.date ? new Date(Date.parse(`${soon.date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10) : later.date;

function campaignBody(overrides: Record<string, unknown> = {}) {
  return {
    year: Number(soon.date.slice(0, 4)),
    period: `${soon.date.slice(0, 4)}-Q4`,
    townshipCodes: [TOWNSHIP, OTHER_TOWNSHIP],
    design: { villagesPerTownship: 2, groupsPerVillage: 1, householdsPerGroup: 'all' },
    teams: [{ teamId: 'A', leaderId: users.leader.id, memberIds: [users.member.id] }],
    days: [
      { date: soon.date, departure: soon.time, assignments: [{ teamId: 'A', townshipCodes: [TOWNSHIP] }] },
      { date: laterDate, departure: later.time, assignments: [{ teamId: 'A', townshipCodes: [TOWNSHIP] }] },
    ],
    ...overrides,
  };
}

beforeAll(async () => {
  hub = await startHub({ worker: false });
  await signInStaff(hub, 'lottery', PASSWORD, [
    ['county', 'county', null], ['township', 'township', TOWNSHIP], ['otherTownship', 'township', OTHER_TOWNSHIP], ['uncovered', 'township', UNCOVERED_TOWNSHIP],
    ['leader', 'inspector', null], ['member', 'inspector', null], ['department', 'department', 'health'],
  ], users);
  // Three villages of the township, two groups each, two households a group, one or two cards a household.
  const fp = (await hub.api.get(ClientRepository).create('family-planning', 'fp')).clientId;
  const cards: Record<string, unknown>[] = [];
  let serial = 0;
  for (const village of VILLAGES) {
    for (const group of ['01', '02']) {
      for (const household of [1, 2]) {
        const number = `${village.slice(6)}${group}${household}`;
        for (let card = 0; card < (household === 1 ? 2 : 1); card++) {
          serial++;
          cards.push(registryCard(serial, 14, {
            recordId: `RC-L-${serial}`, cardId: `L-${serial}`, regionCode: village, groupCode: group, householdNumber: number,
            woman: { citizenId: citizenId('1990-01-01', 'F', 100 + serial), name: '王丽', sex: 'F', birthDate: '1990-01-01', hukouRegionCode: village },
          }));
        }
      }
    }
  }
  // A card with neither group nor household number: its own household in group 00.
  cards.push(registryCard(99, 14, { recordId: 'RC-L-99', cardId: 'L-99', regionCode: VILLAGES[0] }));
  const ctx = { get: (type: any) => hub.api.get(type), sql: hub.sql, config: hub.config, db: hub.db, close: async () => undefined } as PersistenceContext;
  await processRecords(ctx, fp, 'registry-card', cards);
});
afterAll(() => hub?.close());

let campaignId: string;

describe('a spot-check campaign', () => {
  it('refuses a campaign naming an unknown township or a user who is no inspector, naming the field', async () => {
    const bad = await expectJson(await call('county', 'POST', '/v1/inspection/campaigns', campaignBody({
      townshipCodes: [TOWNSHIP, '511325999'],
      teams: [{ teamId: 'A', leaderId: users.county.id, memberIds: [users.member.id] }],
    })), 400);
    expect(bad.errors.map((e: any) => e.field).sort()).toEqual(['teams.0.leaderId', 'townshipCodes.1']);
    const malformed = await expectJson(await call('county', 'POST', '/v1/inspection/campaigns', campaignBody({ design: { villagesPerTownship: 0, groupsPerVillage: 'some', householdsPerGroup: 'all' } })), 400);
    expect(malformed.errors.map((e: any) => e.field).sort()).toEqual(['design.groupsPerVillage', 'design.villagesPerTownship']);
  });

  it('is created by a county user', async () => {
    const created = await expectJson(await call('county', 'POST', '/v1/inspection/campaigns', campaignBody()), 201);
    expect(created).toMatchObject({ state: 'draft', frameHash: null, seedCommitment: null, draws: 0 });
    campaignId = created.id;
  });

  it('answers a township user 404 on every endpoint while it is not published, and lists it not', async () => {
    await expectUnseen('township');
  });

  it('freezes its frame from the registry with groups and households, and commits to a seed', async () => {
    const frozen = await expectJson(await call('county', 'POST', `/v1/inspection/campaigns/${campaignId}/freeze`), 200);
    expect(frozen.state).toBe('frozen');
    expect(frozen.frameHash).toMatch(/^[0-9a-f]{64}$/);
    expect(frozen.seedCommitment).toMatch(/^[0-9a-f]{64}$/);
    // Both townships' villages (8 + the other's), the 13 cards' households: 3 villages × 2 groups × 2 households, and L-99 on its own.
    expect(frozen.counts).toMatchObject({ groups: 7, households: 13, persons: expect.any(Number) });
    const [row] = await hub.sql(`SELECT sealed_seed, frame FROM inspection_freeze WHERE campaign_id = $1`, [campaignId]);
    // The seed is sealed at rest: no 64-hex seed in the row.
    expect(row.sealed_seed).toMatch(/^v1\./);
    const village = row.frame.villages.find((v: any) => v.villageCode === VILLAGES[0]);
    expect(village.groups.map((g: any) => g.groupCode)).toEqual(['00', '01', '02']);
    expect(village.groups[1].households[0]).toMatchObject({ householdKey: '101002011' });
    expect(village.groups[1].households[0].persons.filter((p: any) => p.role === 'woman')).toHaveLength(2);
    expect(village.groups[0].households[0].householdKey).toBe('card:L-99');
    await expectJson(await call('county', 'POST', `/v1/inspection/campaigns/${campaignId}/freeze`), 409);
  });

  it("refuses a draw by a member, and the leader's draw before the allowed time", async () => {
    const drawPath = (date: string) => `/v1/inspection/campaigns/${campaignId}/days/${date}/teams/A/draw`;
    expect((await expectJson(await call('member', 'POST', drawPath(soon.date)), 403)).detail).toMatch(/leader/);
    await expectJson(await call('county', 'POST', drawPath(soon.date)), 403);
    expect((await expectJson(await call('leader', 'POST', drawPath(laterDate)), 409)).detail).toMatch(/too early/);
    expect(await hub.sql(`SELECT count(*)::int AS n FROM inspection_draw`)).toEqual([{ n: 0 }]);
  });

  it("lets the leader draw once, mixing in the log's chain heads, and only the leader sees the points", async () => {
    const path = `/v1/inspection/campaigns/${campaignId}/days/${soon.date}/teams/A/draw`;
    const draw = await expectJson(await call('leader', 'POST', path), 201);
    expect(draw.villages).toHaveLength(2);
    expect(draw.villages.every((v: any) => v.townshipCode === TOWNSHIP && v.groups.length <= 1)).toBe(true);
    expect(draw.publicValue).toMatch(/^[0-9a-f]{64}$/);
    await expectJson(await call('leader', 'POST', path), 409);
    for (const viewer of ['member', 'county'] as const) {
      const seen = await expectJson(await call(viewer, 'GET', path), 200);
      expect({ viewer, id: seen.id, villages: seen.villages }).toEqual({ viewer, id: draw.id, villages: null });
    }
    expect((await expectJson(await call('leader', 'GET', path), 200)).villages).toEqual(draw.villages);
    // The leader's download for the survey page: the drawn villages with their households and persons.
    const frame = await expectJson(await call('leader', 'GET', `${path}/frame`), 200);
    expect(frame.villages.map((v: any) => v.villageCode)).toEqual(draw.villages.map((v: any) => v.villageCode));
    await expectJson(await call('member', 'GET', `${path}/frame`), 403);
    const [audit] = await hub.sql(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'inspection.draw.frame' AND user_id = $1`, [users.leader.id]);
    expect(audit.n).toBe(1);
  });

  it('keeps the township out until publication, and refuses publication before the day is closed', async () => {
    await expectUnseen('township');
    expect((await expectJson(await call('county', 'POST', `/v1/inspection/campaigns/${campaignId}/publication`), 409)).detail).toMatch(/not closed/);
  });

  it('shows the points to the team and the county once the leader closes the day', async () => {
    const base = `/v1/inspection/campaigns/${campaignId}/days/${soon.date}/teams/A`;
    await expectJson(await call('member', 'POST', `${base}/close`), 403);
    const closed = await expectJson(await call('leader', 'POST', `${base}/close`), 200);
    expect(closed.closedAt).not.toBeNull();
    for (const viewer of ['member', 'county'] as const) expect((await expectJson(await call(viewer, 'GET', `${base}/draw`), 200)).villages).toEqual(closed.villages);
    await expectUnseen('township');
  });

  it('refuses UPDATE and DELETE of its evidence in the database', async () => {
    for (const table of ['inspection_draw', 'inspection_freeze', 'inspection_campaign', 'inspection_day_close']) {
      await expect(hub.sql(`UPDATE ${table} SET ${table === 'inspection_day_close' ? 'closed_at = now()' : table === 'inspection_campaign' ? 'period = period' : 'campaign_id = campaign_id'}`)).rejects.toThrow(/append-only/);
      await expect(hub.sql(`DELETE FROM ${table}`)).rejects.toThrow(/append-only/);
    }
  });

  it('is published by a county user (audited); the township then sees it and can verify every draw, a township it does not cover still cannot', async () => {
    const published = await expectJson(await call('county', 'POST', `/v1/inspection/campaigns/${campaignId}/publication`), 200);
    expect(published.state).toBe('published');
    const [audit] = await hub.sql(`SELECT user_id FROM audit_log WHERE action = 'inspection.campaign.publish' AND target = $1`, [campaignId]);
    expect(audit.user_id).toBe(users.county.id);
    const listed = await expectJson(await call('township', 'GET', '/v1/inspection/campaigns'), 200);
    expect(listed.items.map((c: any) => c.id)).toEqual([campaignId]);
    await expectJson(await call('township', 'GET', `/v1/inspection/campaigns/${campaignId}`), 200);
    const draw = await expectJson(await call('township', 'GET', `/v1/inspection/campaigns/${campaignId}/days/${soon.date}/teams/A/draw`), 200);
    expect(draw.villages.length).toBe(2);
    const verification = await expectJson(await call('township', 'GET', `/v1/inspection/campaigns/${campaignId}/verification`), 200);
    expect(verification).toMatchObject({ ok: true, seedMatchesCommitment: true, frameMatchesHash: true, draws: [{ id: draw.id, matches: true }] });
    // Running it is still the county's: a visible campaign is not the township's to publish or freeze.
    await expectJson(await call('township', 'POST', `/v1/inspection/campaigns/${campaignId}/publication`), 403);
    // A township the campaign covers but whose day it was not sees the campaign, not another township's draw.
    await expectJson(await call('otherTownship', 'GET', `/v1/inspection/campaigns/${campaignId}`), 200);
    await expectJson(await call('otherTownship', 'GET', `/v1/inspection/campaigns/${campaignId}/days/${soon.date}/teams/A/draw`), 404);
    await expectUnseen('uncovered');
  });
});

describe('sanxian lottery verify and campaigns list, as processes (run `npm run build` first)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lottery-verify-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the campaign with its state and counts', () => {
    const listed = runCli(['campaigns', 'list', '--year', soon.date.slice(0, 4), '--json'], hub.env);
    expect(listed.status).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id: campaignId, state: 'published', draws: 1, closedDays: 1, frame: expect.objectContaining({ households: 13 }) })]);
    expect(JSON.parse(runCli(['campaigns', 'list', '--year', '2001', '--json'], hub.env).stdout)).toEqual([]);
  });

  it('recomputes every draw: exit 0, from the database and from the public record file', async () => {
    const ok = runCli(['lottery', 'verify', campaignId], hub.env);
    expect([ok.status, ok.stdout]).toEqual([0, expect.stringContaining('every draw matches')]);
    const record = await expectJson(await call('county', 'GET', `/v1/inspection/campaigns/${campaignId}/record`), 200);
    const file = join(dir, 'record.json');
    writeFileSync(file, JSON.stringify(record));
    const fromFile = runCli(['lottery', 'verify', '--record', file, '--json'], hub.env);
    expect(fromFile.status).toBe(0);
    expect(JSON.parse(fromFile.stdout)).toMatchObject({ campaignId, ok: true });
    // The record is what its schema says; a file that is not is refused as a usage error.
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, JSON.stringify({ ...record, frameHash: 'not a hash' }));
    const refused = runCli(['lottery', 'verify', '--record', broken], hub.env);
    expect([refused.status, refused.stderr]).toEqual([2, expect.stringContaining('/frameHash')]);
  });

  it('exits 3 naming the draw when a draw was changed behind the database\'s back', async () => {
    const [draw] = await hub.sql(`SELECT id, result FROM inspection_draw WHERE campaign_id = $1`, [campaignId]);
    const drawn = new Set(draw.result.villages.map((v: any) => v.villageCode));
    const swapped = VILLAGES.find((v) => !drawn.has(v)) ?? '511325101004';
    const tampered = { ...draw.result, villages: [{ ...draw.result.villages[0], villageCode: swapped }, ...draw.result.villages.slice(1)] };
    // What a database superuser could do: the trigger off, the row rewritten, the trigger on.
    await hub.sql(`ALTER TABLE inspection_draw DISABLE TRIGGER inspection_draw_append_only`);
    await hub.sql(`UPDATE inspection_draw SET result = $2 WHERE id = $1`, [draw.id, JSON.stringify(tampered)]);
    await hub.sql(`ALTER TABLE inspection_draw ENABLE TRIGGER inspection_draw_append_only`);
    const failed = runCli(['lottery', 'verify', campaignId, '--json'], hub.env);
    expect(failed.status).toBe(3);
    expect(JSON.parse(failed.stdout)).toMatchObject({ ok: false, seedMatchesCommitment: true, frameMatchesHash: true, draws: [{ id: draw.id, matches: false }] });
    const text = runCli(['lottery', 'verify', campaignId], hub.env);
    expect([text.status, text.stdout]).toEqual([3, expect.stringContaining(`(${draw.id}): DOES NOT MATCH`)]);
  });

  it('exits 3 when a draw was forged consistently from chain heads the log never had', async () => {
    const [row] = await hub.sql(
      `SELECT d.id, d.day::text AS day, p.seed, f.frame, c.design FROM inspection_draw d JOIN inspection_publication p USING (campaign_id)
       JOIN inspection_freeze f USING (campaign_id) JOIN inspection_campaign c ON c.id = d.campaign_id WHERE d.campaign_id = $1`,
      [campaignId],
    );
    const [client] = await hub.sql(`SELECT id FROM exchange_client ORDER BY id LIMIT 1`);
    const heads = [{ clientId: client.id, lastSeq: '1', headHash: 'f'.repeat(64) }];
    const publicValue = publicValueOfHeads(heads);
    const forged = drawDay({ seed: row.seed, campaignId, day: row.day, teamId: 'A', publicValue, townshipCodes: [TOWNSHIP], design: row.design, frame: row.frame });
    await hub.sql(`ALTER TABLE inspection_draw DISABLE TRIGGER inspection_draw_append_only`);
    await hub.sql(`UPDATE inspection_draw SET result = $2, public_value = $3, log_heads = $4 WHERE id = $1`, [row.id, JSON.stringify(forged), publicValue, JSON.stringify(heads)]);
    await hub.sql(`ALTER TABLE inspection_draw ENABLE TRIGGER inspection_draw_append_only`);
    // The record is consistent in itself: only the log shows the heads were never there.
    const record = await expectJson(await call('county', 'GET', `/v1/inspection/campaigns/${campaignId}/record`), 200);
    const file = join(dir, 'forged.json');
    writeFileSync(file, JSON.stringify(record));
    expect(runCli(['lottery', 'verify', '--record', file], hub.env).status).toBe(0);
    const failed = runCli(['lottery', 'verify', campaignId], hub.env);
    expect([failed.status, failed.stdout]).toEqual([3, expect.stringContaining('is not in the message log')]);
    const api = await expectJson(await call('county', 'GET', `/v1/inspection/campaigns/${campaignId}/verification`), 200);
    expect(api).toMatchObject({ ok: false, draws: [{ id: row.id, matches: false }] });
  });

  it('refuses to verify an unpublished campaign (its seed is sealed) with a usage error', async () => {
    const draft = await expectJson(await call('county', 'POST', '/v1/inspection/campaigns', campaignBody()), 201);
    await expectJson(await call('county', 'POST', `/v1/inspection/campaigns/${draft.id}/freeze`), 200);
    const refused = runCli(['lottery', 'verify', draft.id], hub.env);
    expect([refused.status, refused.stderr]).toEqual([2, expect.stringContaining('not published')]);
  });
});

/** Every endpoint of the campaign answers 404 and the list leaves it out. */
async function expectUnseen(user: User): Promise<void> {
  const base = `/v1/inspection/campaigns/${campaignId}`;
  const team = `${base}/days/${soon.date}/teams/A`;
  const answers: string[] = [];
  for (const [method, path] of [
    ['GET', base], ['POST', `${base}/freeze`], ['POST', `${base}/publication`], ['GET', `${base}/record`], ['GET', `${base}/verification`],
    ['POST', `${team}/draw`], ['GET', `${team}/draw`], ['GET', `${team}/draw/frame`], ['POST', `${team}/close`],
  ] as const) {
    const res = await call(user, method, path);
    await res.text();
    if (res.status !== 404) answers.push(`${method} ${path}: ${res.status}`);
  }
  expect(answers).toEqual([]);
  const listed = await expectJson(await call(user, 'GET', '/v1/inspection/campaigns'), 200);
  expect(listed.items.map((c: any) => c.id)).not.toContain(campaignId);
}
