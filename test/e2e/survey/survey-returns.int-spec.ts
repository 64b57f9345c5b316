import { randomUUID } from 'node:crypto';
import { canonicalReturnBytes, type FrameVillage, type ItemEntry, type SignedReturn, type SurveyReturn } from '@sanxian/domain';
import { faithfulReturn } from '@sanxian/domain/testing';
import { AssessmentService } from '@sanxian/assessment';
import { surveySchemaIssues } from '@sanxian/contracts';
import { ClientRepository } from '@sanxian/persistence';
import { endOfChinaDay } from '@sanxian/survey-returns';
import { chinaClock } from '../../support/china-clock';
import { runCli } from '../../support/cli-process';
import { Hub, startHub } from '../../support/hub-harness';
import { deviceKey, signedBy, type DeviceKey } from '../../support/inspector-keys';
import type { PersistenceContext } from '../../support/persistence-context';
import { processRecords } from '../../support/process-records';
import { citizenId, registryCard } from '../../support/record-factory';
import { expectJson, signInStaff, staffCaller } from '../../support/staff-api';

/*
 * Signed survey returns end to end on the real PostgreSQL: a frozen campaign and the leader's draw
 * (libs/inspection), returns signed with WebCrypto keys the admin enrolled, what the hub refuses and
 * why, the append-only table, findings raised as discrepancies at publication, and the regular part
 * of the township's score moved by what a hand computation gives.
 */

const PASSWORD = 'survey-returns-2026';
const TOWNSHIP = '511325101';
const VILLAGES = ['511325101002', '511325101003'];
const YEAR = 2026;

type User = 'admin' | 'county' | 'township' | 'leader' | 'member' | 'outsider';
const users = {} as Record<User, { id: string; token: string }>;
let hub: Hub;
const call = staffCaller(() => hub, users);

const soon = chinaClock(new Date(Date.now() + 5 * 60_000));

let fp: string;
let campaignId: string;
let drawId: string;
let village: FrameVillage;
let leaderKey: DeviceKey;
let memberKey: DeviceKey;
let accepted: SignedReturn;
const base = () => `/v1/inspection/campaigns/${campaignId}/days/${soon.date}/teams/A`;

/** A return that finds what the frame holds, but one woman's child born on 2026-09-01 whom her card lacks. */
function surveyOf(frame: FrameVillage): SurveyReturn {
  const survey = { ...faithfulReturn(frame, randomUUID()), campaignId, drawId, surveyDate: soon.date };
  const woman = survey.groups[0].households[0].persons.find((p) => p.personKey.endsWith(':woman'))!;
  const children = woman.items.find((i) => i.item === 'children') as Extract<ItemEntry, { status: 'checked' }>;
  children.value = JSON.stringify([...JSON.parse(children.value!), { birthDate: '2026-09-01', sex: 'M' }]);
  return survey;
}

beforeAll(async () => {
  hub = await startHub({ worker: false });
  await signInStaff(hub, 'returns', PASSWORD, [
    ['admin', 'admin', null], ['county', 'county', null], ['township', 'township', TOWNSHIP],
    ['leader', 'inspector', null], ['member', 'inspector', null], ['outsider', 'inspector', null],
  ], users);
  // Two villages, two groups each, five households a group, one card a household, each with a child born in 2026.
  fp = (await hub.api.get(ClientRepository).create('family-planning', 'fp')).clientId;
  const cards: Record<string, unknown>[] = [];
  let serial = 0;
  for (const code of VILLAGES) {
    for (const group of ['01', '02']) {
      for (let household = 1; household <= 5; household++) {
        serial++;
        cards.push(registryCard(serial, 21, {
          recordId: `RC-S-${serial}`, cardId: `S-${serial}`, regionCode: code, groupCode: group, householdNumber: `${code.slice(6)}${group}${household}`,
          woman: { citizenId: citizenId('1992-04-01', 'F', 200 + serial), name: '李秀兰', sex: 'F', birthDate: '1992-04-01', hukouRegionCode: code },
          children: [{ citizenId: citizenId('2026-03-01', 'F', 300 + serial), name: '李小雨', sex: 'F', birthDate: '2026-03-01', birthOrder: 1, policyCompliant: true }],
        }));
      }
    }
  }
  const ctx = { get: (type: any) => hub.api.get(type), sql: hub.sql, config: hub.config, db: hub.db, close: async () => undefined } as PersistenceContext;
  await processRecords(ctx, fp, 'registry-card', cards);

  // The year's plan, and a regular check typed in by hand: 出生统计求实率 98% for the township.
  await hub.api.get(AssessmentService).publishPlan(require('../../../libs/domain/data/plans/511325-2026.json'), null);
  await expectJson(await call('county', 'POST', `/v1/assessments/${YEAR}/inputs`, { type: 'check', checkId: 'typed-q3', unitIds: [TOWNSHIP], date: `${YEAR}-09-30` }), 201);
  await expectJson(await call('county', 'POST', `/v1/assessments/${YEAR}/inputs`, {
    type: 'value', unitId: TOWNSHIP, indicatorId: 'birth-statistics-accuracy', checkId: 'typed-q3', value: 98, evidenceIds: ['检查记录 2026-07'],
  }), 201);

  // Keys made on the inspectors' devices; the admin enrolls the public halves.
  leaderKey = await deviceKey('Ed25519');
  memberKey = await deviceKey('ECDSA-P256-SHA256');
  for (const [user, key] of [['leader', leaderKey], ['member', memberKey]] as const) {
    await expectJson(await call('admin', 'POST', `/v1/staff/${users[user].id}/signing-keys`, { algorithm: key.algorithm, publicKey: key.publicKey }), 201);
  }

  // The campaign: every village of the township drawn (the frame has them all, most without a card), all groups and
  // households; frozen, and drawn by the leader. The team surveys the first village with cards.
  const created = await expectJson(await call('county', 'POST', '/v1/inspection/campaigns', {
    year: YEAR, period: `${YEAR}-Q4`, townshipCodes: [TOWNSHIP],
    design: { villagesPerTownship: 100, groupsPerVillage: 'all', householdsPerGroup: 'all' },
    teams: [{ teamId: 'A', leaderId: users.leader.id, memberIds: [users.member.id] }],
    days: [{ date: soon.date, departure: soon.time, assignments: [{ teamId: 'A', townshipCodes: [TOWNSHIP] }] }],
  }), 201);
  campaignId = created.id;
  await expectJson(await call('county', 'POST', `/v1/inspection/campaigns/${campaignId}/freeze`), 200);
  drawId = (await expectJson(await call('leader', 'POST', `${base()}/draw`), 201)).id;
  village = (await expectJson(await call('leader', 'GET', `${base()}/draw/frame`), 200)).villages.find((v: FrameVillage) => v.villageCode === VILLAGES[0]);
});
afterAll(() => hub?.close());

describe('a signed survey return', () => {
  it('cannot be taken while it leaves out a group, household, person or item; the refusal names each by path', async () => {
    const survey = surveyOf(village);
    const [group1, group2] = survey.groups;
    const dropped = group1.households.pop()!;
    const person = group2.households[0].persons[0];
    person.items = person.items.filter((i) => i.item !== 'birthDate');
    const refused = await expectJson(await call('leader', 'POST', '/v1/survey-returns', await signedBy(survey, leaderKey)), 422);
    expect(refused.reason).toBe('incomplete');
    expect(refused.missing).toEqual([
      { path: `group 01 / household ${dropped.householdKey}`, kind: 'missing' },
      { path: `group 02 / household ${group2.households[0].householdKey} / person ${person.personKey} / item birthDate`, kind: 'missing' },
    ]);
    expect(refused.detail).toContain(`group 01 / household ${dropped.householdKey}: missing`);
  });

  it('is refused when one byte changed after signing, or a key is not enrolled, naming the signature and why', async () => {
    const survey = surveyOf(village);
    const signed = await signedBy(survey, leaderKey, memberKey);
    // One character of one item changed after both signed.
    const tampered = structuredClone(signed);
    const item = tampered.return.groups[1].households[1].persons[0].items[0] as Extract<ItemEntry, { status: 'checked' }>;
    item.value = `${item.value}`.replace(/.$/, '琇');
    expect(canonicalReturnBytes(tampered.return).equals(canonicalReturnBytes(survey))).toBe(false);
    const changed = await expectJson(await call('leader', 'POST', '/v1/survey-returns', tampered), 422);
    expect(changed.signatures).toEqual([{ keyId: leaderKey.keyId, problem: 'bad-signature' }, { keyId: memberKey.keyId, problem: 'bad-signature' }]);
    expect(changed.detail).toContain('does not verify: the return was changed after signing');

    const stranger = await deviceKey();
    const unknown = await expectJson(await call('leader', 'POST', '/v1/survey-returns', await signedBy(survey, leaderKey, stranger)), 422);
    expect(unknown.signatures).toEqual([{ keyId: stranger.keyId, problem: 'unknown-key' }]);
    // An inspector who is not on the team: the draw does not exist for them.
    await expectJson(await call('outsider', 'POST', '/v1/survey-returns', signed), 404);
    expect(await hub.sql(`SELECT count(*)::int AS n FROM survey_return`)).toEqual([{ n: 0 }]);
  });

  it('is accepted once, signed by the leader and the member; a second sync is a duplicate, not a second row', async () => {
    accepted = await signedBy(surveyOf(village), leaderKey, memberKey);
    const receipt = await expectJson(await call('member', 'POST', '/v1/survey-returns', accepted), 201);
    expect(receipt).toMatchObject({ returnId: accepted.return.returnId, status: 'accepted', chainSeq: '1', findings: 2 });
    expect(surveySchemaIssues('return-receipt', receipt)).toEqual([]);
    const again = await expectJson(await call('leader', 'POST', '/v1/survey-returns', accepted), 200);
    expect(again).toEqual({ ...receipt, status: 'duplicate' });
    expect(await hub.sql(`SELECT count(*)::int AS n FROM survey_return`)).toEqual([{ n: 1 }]);
    const [audit] = await hub.sql(`SELECT action, user_id FROM audit_log WHERE target = $1`, [`survey-return:${accepted.return.returnId}`]);
    expect(audit).toEqual({ action: 'survey-return.accept', user_id: users.member.id });
  });

  it('can never be changed: the database refuses UPDATE and DELETE of the stored return', async () => {
    await expect(hub.sql(`UPDATE survey_return SET signed = '{}'::jsonb`)).rejects.toThrow(/survey_return is append-only: UPDATE refused/);
    await expect(hub.sql(`DELETE FROM survey_return`)).rejects.toThrow(/survey_return is append-only: DELETE refused/);
    await expect(hub.sql(`UPDATE survey_comparison SET comparison = '{}'::jsonb`)).rejects.toThrow(/append-only/);
  });

  it('is compared with the registry as received by the end of the survey day: a card completed afterwards hides nothing', async () => {
    // The township adds the missing child to the card the day after the survey.
    const woman = accepted.return.groups[0].households[0].persons.find((p) => p.personKey.endsWith(':woman'))!;
    const cardId = woman.personKey.split(':')[0];
    const serial = Number(cardId.slice(2));
    const late = registryCard(serial, 21, {
      recordId: `RC-S-${serial}-v2`, cardId, version: 2, regionCode: village.villageCode, groupCode: '01', householdNumber: accepted.return.groups[0].households[0].householdKey,
      woman: { citizenId: citizenId('1992-04-01', 'F', 200 + serial), name: '李秀兰', sex: 'F', birthDate: '1992-04-01', hukouRegionCode: village.villageCode },
      children: [
        { citizenId: citizenId('2026-03-01', 'F', 300 + serial), name: '李小雨', sex: 'F', birthDate: '2026-03-01', birthOrder: 1, policyCompliant: true },
        { citizenId: null, name: '李小明', sex: 'M', birthDate: '2026-09-01', birthOrder: 2, policyCompliant: true },
      ],
    });
    const ctx = { get: (type: any) => hub.api.get(type), sql: hub.sql, config: hub.config, db: hub.db, close: async () => undefined } as PersistenceContext;
    await processRecords(ctx, fp, 'registry-card', [late], { receivedAt: new Date(endOfChinaDay(soon.date).getTime() + 3600_000) });
    const addendum = await signedBy({ ...surveyOf(village), corrects: accepted.return.returnId }, leaderKey);
    const receipt = await expectJson(await call('leader', 'POST', '/v1/survey-returns', addendum), 201);
    // The same two findings: the card's second child arrived after the survey day.
    expect(receipt).toMatchObject({ status: 'accepted', chainSeq: '2', findings: 2 });
    accepted = addendum;
  });

  it('is hidden from the inspected township until publication; its findings are raised then, as spot-check findings of the township', async () => {
    await expectJson(await call('township', 'GET', `/v1/survey-returns/${accepted.return.returnId}`), 404);
    expect((await expectJson(await call('township', 'GET', '/v1/discrepancies?kind=spot-check-finding'), 200)).items).toEqual([]);
    await expectJson(await call('leader', 'POST', `${base()}/close`), 200);
    await expectJson(await call('county', 'POST', `/v1/inspection/campaigns/${campaignId}/publication`), 200);

    const listed = await expectJson(await call('township', 'GET', '/v1/discrepancies?kind=spot-check-finding'), 200);
    expect(listed.items).toHaveLength(2);
    expect(listed.items.every((d: any) => d.townshipCode === TOWNSHIP && d.regionCode === village.villageCode)).toBe(true);
    const detail = await expectJson(await call('township', 'GET', `/v1/discrepancies/${listed.items[0].id}`), 200);
    expect(detail.evidence.returnIds).toEqual([accepted.return.returnId]);
    expect(detail.subjectKey).toMatchObject({ returnId: accepted.return.returnId, finding: expect.stringMatching(/^(birth-not-in-registry|item-differs)$/) });
    const stored = await expectJson(await call('township', 'GET', `/v1/survey-returns/${accepted.return.returnId}`), 200);
    expect(stored).toMatchObject({ chainSeq: '2', corrects: expect.any(String), signed: accepted });
    // Returns are closed once published.
    await expectJson(await call('leader', 'POST', '/v1/survey-returns', await signedBy(surveyOf(village), leaderKey)), 409);
  });

  it("replaces the typed-in 出生统计求实率 in the township's regular part by the campaign's, by the amount a hand computation gives", async () => {
    const result = (await hub.api.get(AssessmentService).score(YEAR)).result;
    const township = result.units.find((u) => u.unitId === TOWNSHIP)!;
    const regular = township.breakdown.children.find((c) => c.key === 'regular')!;
    const accuracy = regular.children.flatMap((d) => d.children).find((n) => n.key === 'regular/level/birth-statistics-accuracy')!;
    // The drawn village: 10 households, each woman with a registered 2026 birth, and one birth the registry lacks:
    // 求实率 = 10 / 11 = 90.9091%; linear from 90 (0) to 100 (full): fraction 0.090909. The typed-in 98% is replaced.
    expect(accuracy.children.map((c) => [c.facts?.checkId, c.facts?.value, c.facts?.numerator, c.facts?.denominator])).toEqual([[`campaign-${campaignId}`, 90.9091, 10, 11]]);
    expect(accuracy.children[0].facts?.evidenceIds).toEqual(expect.arrayContaining([`campaign:${campaignId}`, `return:${accepted.return.returnId}`]));

    // Without the campaign (typed-in 98%: fraction 0.8), the same level dimension of the regular period: its 60 points
    // are 40 for 求实率 and 20 for 宣传教育 (no grade entered: 0). So the level sub-score is 100 × 40 × f / 60 and the
    // regular part is 0.4 × level (quality scores no typed value: 0). By hand: 0.4 × 100 × 40 × (0.090909 − 0.8) / 60 = −18.909.
    const fraction = (90.9091 - 90) / 10;
    const expectedRegular = (0.4 * 100 * 40 * fraction) / 60;
    expect(township.regular).toBeCloseTo(expectedRegular, 1);
    const typedOnly = (0.4 * 100 * 40 * 0.8) / 60;
    expect(township.regular! - typedOnly).toBeCloseTo(-18.909, 1);

    // Drilling down: the records behind the figure are the signed return, with what it compared and found.
    const records = await expectJson(await call('county', 'GET', `/v1/scoreboard/units/${TOWNSHIP}/indicators/birth-statistics-accuracy/records?year=${YEAR}`), 200);
    const behind = records.items.find((r: any) => r.evidenceId === `return:${accepted.return.returnId}`);
    expect(behind).toMatchObject({ type: 'return', found: true, birthsFound: 11, birthsRegistered: 10, itemsCompared: expect.any(Number) });
    expect(behind.findings.map((f: any) => f.kind).sort()).toEqual(['birth-not-in-registry', 'item-differs']);
  });

  it('`campaigns results` prints the indicators per unit with their intervals (CLI as a process; run `npm run build` first)', () => {
    const env = { DATABASE_URL: hub.db.url, REDIS_URL: hub.env.REDIS_URL, QUEUE_PREFIX: hub.env.QUEUE_PREFIX, SECRETS_KEY: hub.env.SECRETS_KEY, LOG_LEVEL: 'error' };
    const json = runCli(['campaigns', 'results', campaignId, '--json'], env);
    expect(json.stderr).toBe('');
    const units = JSON.parse(json.stdout);
    expect(units.map((u: any) => [u.unitId, u.level])).toEqual([[village.villageCode, 'village'], [TOWNSHIP, 'township'], [`${TOWNSHIP}.fpo`, 'fp-office']]);
    expect(units[1]).toMatchObject({ birthAccuracy: { value: 90.9091, numerator: 10, denominator: 11 }, missedBirths: 1, findings: 2, returnIds: [accepted.return.returnId] });
    expect(units[1].birthAccuracy.lower).toBeLessThan(90.9091);
    const text = runCli(['campaigns', 'results', campaignId], env);
    expect(text.stdout).toContain('90.91% [');
  });
});
