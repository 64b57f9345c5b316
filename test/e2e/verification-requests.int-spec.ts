import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { AssessmentService } from '@sanxian/assessment';
import type { VerificationRequestItem } from '@sanxian/api-types';
import { IndicatorRepository, UnitOfWork, VerificationRepository } from '@sanxian/persistence';
import { todayInChina } from '@sanxian/reconciliation';
import { Hub, TestClient, send, startHub, waitUntilProcessed } from '../support/hub-harness';
import { runCliAsync } from '../support/cli-process';
import { expectJson, signInStaff, staffCaller } from '../support/staff-api';
import { VERIFICATION_TOWNSHIP as A, divorceMarriageRecord as marriage, verificationCounty, type VerificationCounty } from '../support/verification-county';

/**
 * Verification requests (协查) end to end, on the real PostgreSQL and Redis, in the county of
 * test/support/verification-county.ts: FP staff ask each agency about its record; each agency
 * reads only its own requests through the signed exchange API and answers.
 */
const B = '511325102';
const PASSWORD = 'verification-2026';

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

const listSchema = (() => {
  const file = path.join(__dirname, '../../schemas/exchange/verification/verification-request-list.schema.json');
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv, ['uuid', 'date', 'date-time']);
  return ajv.compile(JSON.parse(fs.readFileSync(file, 'utf8')));
})();

describe('verification requests (协查) between the FP office and the agencies', () => {
  let hub: Hub;
  let county: VerificationCounty;
  let clients: VerificationCounty['clients'];
  let discrepancy: VerificationCounty['discrepancy'];
  const users = {} as Record<'county' | 'townshipB', { id: string; token: string }>;
  const staff = staffCaller(() => hub, users);
  const request = {} as Record<'civil' | 'police', string>;
  const today = todayInChina();

  const agencyList = async (client: TestClient, query = '') => {
    const body = await expectJson(await send(hub.url, client, 'GET', `/v1/exchange/verification-requests${query}`), 200);
    expect(listSchema(body)).toBe(true);
    return body;
  };
  const answer = (client: TestClient, id: string, body: object) => send(hub.url, client, 'POST', `/v1/exchange/verification-requests/${id}/answer`, body);

  beforeAll(async () => {
    hub = await startHub({ worker: true });
    county = await verificationCounty(hub);
    ({ clients, discrepancy } = county);
    await signInStaff(hub, 'xiecha', PASSWORD, [['county', 'county', null], ['townshipB', 'township', B]], users);
  });
  afterAll(() => hub?.close());

  it('FP staff send a request to the agency behind the record, due in 15 days, or 30 across the county', async () => {
    const toCivil = await expectJson(await staff('county', 'POST', `/v1/discrepancies/${discrepancy.marital}/verification-requests`, { question: '请核实该婚姻登记的类别（结婚或离婚）' }), 201);
    expect(toCivil).toMatchObject({ agency: 'civil-affairs', clientId: clients.civil.clientId, recordId: 'MR-A', kind: 'marriage-record', crossCounty: false, requestedOn: today, dueAt: addDays(today, 15), state: 'open', answer: null });
    const toPolice = await expectJson(await staff('county', 'POST', `/v1/discrepancies/${discrepancy.moved}/verification-requests`, { question: '请核实迁出去向', crossCounty: true }), 201);
    expect(toPolice).toMatchObject({ agency: 'public-security', recordId: 'HK-A', crossCounty: true, dueAt: addDays(today, 30) });
    [request.civil, request.police] = [toCivil.id, toPolice.id];
    // Exactly the keys of the shared type the console compiles against.
    const ITEM_KEYS = [
      'id', 'discrepancyId', 'townshipCode', 'agency', 'clientId', 'messageId', 'recordId', 'kind', 'question', 'crossCounty', 'requestedOn', 'dueAt',
      'requestedAt', 'requestedBy', 'state', 'answer',
    ] as const satisfies readonly (keyof VerificationRequestItem)[];
    const everyKey: [Exclude<keyof VerificationRequestItem, (typeof ITEM_KEYS)[number]>] extends [never] ? true : never = true;
    expect([everyKey, Object.keys(toCivil).sort()]).toEqual([true, [...ITEM_KEYS].sort()]);

    // Bad input names its field; another township's discrepancy is not there; the request is on record.
    const blank = await expectJson(await staff('county', 'POST', `/v1/discrepancies/${discrepancy.marital}/verification-requests`, { question: ' ' }), 400);
    expect(blank.errors).toEqual([{ field: 'question', message: 'must not be blank' }]);
    const notEvidence = await expectJson(await staff('county', 'POST', `/v1/discrepancies/${discrepancy.marital}/verification-requests`, { question: '?', messageId: request.civil }), 400);
    expect(notEvidence.errors[0].field).toBe('messageId');
    await expectJson(await staff('townshipB', 'POST', `/v1/discrepancies/${discrepancy.marital}/verification-requests`, { question: '?' }), 404);
    const audited = await hub.sql(`SELECT username, detail->>'requestId' AS request FROM audit_log WHERE action = 'verification.request' ORDER BY id`);
    expect(audited).toEqual([{ username: 'xiecha-county', request: request.civil }, { username: 'xiecha-county', request: request.police }]);
    const receipt = await hub.sql(`SELECT client_id, record_id, detail FROM exchange_receipt WHERE type = 'verification-requested' ORDER BY record_id`);
    expect(receipt.map((r) => [r.client_id, r.record_id, r.detail.requestId])).toEqual([[clients.police.clientId, 'HK-A', request.police], [clients.civil.clientId, 'MR-A', request.civil]]);
  });

  it('an agency client sees only its own requests, paged', async () => {
    const civil = await agencyList(clients.civil);
    expect(civil.items.map((r: any) => [r.requestId, r.recordId, r.state])).toEqual([[request.civil, 'MR-A', 'open']]);
    const police = await agencyList(clients.police, '?status=all&limit=1');
    expect(police.items.map((r: any) => r.requestId)).toEqual([request.police]);
    expect(await agencyList(clients.police, `?status=all&after=${police.nextCursor}`)).toEqual({ items: [], nextCursor: police.nextCursor });
    expect((await agencyList(clients.health)).items).toEqual([]);
    expect((await agencyList(clients.fp, '?status=all')).items).toEqual([]);
    // Another agency's request is not there to answer.
    await expectJson(await answer(clients.police, request.civil, { answer: 'confirmed', comment: '无误' }), 404);
    const badStatus = await expectJson(await send(hub.url, clients.civil, 'GET', '/v1/exchange/verification-requests?status=late'), 400);
    expect(badStatus.detail).toContain('status');
  });

  it('refuses an answer that is not valid, naming the path, and stores nothing', async () => {
    const noComment = await expectJson(await answer(clients.civil, request.civil, { answer: 'confirmed' }), 400);
    expect(noComment).toMatchObject({ code: 'invalid-answer', errors: [{ path: '/comment', code: 'required' }] });
    const badRecord = await expectJson(await answer(clients.civil, request.civil, { answer: 'corrected', record: { ...marriage('MR-A-2', 'divorce', '2025-06-02'), certificateNumber: undefined } }), 400);
    expect(badRecord.errors).toEqual([expect.objectContaining({ path: '/record/certificateNumber', code: 'required' })]);
    const unchanged = await expectJson(await answer(clients.civil, request.civil, { answer: 'corrected', record: marriage('MR-A', 'marriage', '2025-06-01') }), 400);
    expect(unchanged.errors[0].code).toBe('record-unchanged');
    expect(await hub.sql(`SELECT count(*)::int AS n FROM verification_answer`)).toEqual([{ n: 0 }]);
  });

  it('answering twice has one effect: the first answer stands', async () => {
    const correction = { answer: 'corrected', record: marriage('MR-A-2', 'divorce', '2025-06-02'), comment: '原登记类别录入错误，实为离婚登记' };
    const first = await expectJson(await answer(clients.civil, request.civil, correction), 200);
    expect(first).toMatchObject({ requestId: request.civil, state: 'answered', duplicate: false, answer: { answer: 'corrected', recordId: 'MR-A-2', messageId: expect.any(String) } });
    const again = await expectJson(await answer(clients.civil, request.civil, correction), 200);
    const other = await expectJson(await answer(clients.civil, request.civil, { answer: 'confirmed', comment: '改口' }), 200);
    for (const later of [again, other]) expect(later).toEqual({ ...first, duplicate: true });
    expect(await hub.sql(`SELECT count(*)::int AS n FROM verification_answer`)).toEqual([{ n: 1 }]);
    expect(await hub.sql(`SELECT count(*)::int AS n FROM inbound_message WHERE record_id = 'MR-A-2'`)).toEqual([{ n: 1 }]);
    expect(await hub.sql(`SELECT username, detail->>'requestId' AS request FROM audit_log WHERE action = 'verification.answer'`)).toEqual([
      { username: `client:${clients.civil.clientId}`, request: request.civil },
    ]);
    expect((await agencyList(clients.civil)).items).toEqual([]);
    expect((await agencyList(clients.civil, '?status=answered')).items.map((r: any) => r.requestId)).toEqual([request.civil]);
  });

  it('the corrected record goes through intake and, reconciled, closes the discrepancy as resolved-by-data; the thread shows it', async () => {
    await waitUntilProcessed(hub, county.sent + 1);
    const run = await county.reconcile();
    expect(run.closedByData).toBe(1);
    expect(await hub.sql(`SELECT status FROM discrepancy WHERE id = $1`, [discrepancy.marital])).toEqual([{ status: 'resolved-by-data' }]);
    expect(await hub.sql(`SELECT status FROM discrepancy WHERE id = $1`, [discrepancy.moved])).toEqual([{ status: 'open' }]);

    const thread = await expectJson(await staff('county', 'GET', `/v1/discrepancies/${discrepancy.marital}/verification-requests`), 200);
    expect(thread.items).toEqual([expect.objectContaining({
      id: request.civil, state: 'answered', dueAt: addDays(today, 15),
      answer: expect.objectContaining({ answer: 'corrected', recordId: 'MR-A-2', record: expect.objectContaining({ recordId: 'MR-A-2', registrationType: 'divorce' }) }),
    })]);
    const detail = await expectJson(await staff('county', 'GET', `/v1/discrepancies/${discrepancy.marital}`), 200);
    expect(detail.history.map((h: any) => h.event)).toEqual(['raised', 'verification-request', 'verification-answer', 'resolved-by-data']);
    await expectJson(await staff('townshipB', 'GET', `/v1/discrepancies/${discrepancy.marital}/verification-requests`), 404);
    // Closed: no further request about it.
    await expectJson(await staff('county', 'POST', `/v1/discrepancies/${discrepancy.marital}/verification-requests`, { question: '?' }), 409);
  });

  it('an overdue request shows as overdue and counts against the department in its indicator', async () => {
    // A request the police got 20 days ago, due 15 days after: overdue since 5 days ago.
    const requestedOn = addDays(today, -20);
    const [hk] = await hub.sql(`SELECT id FROM inbound_message WHERE record_id = 'HK-A'`);
    const late = await hub.api.get(UnitOfWork).run((tx) => hub.api.get(VerificationRepository).create(tx, {
      discrepancyId: discrepancy.moved, townshipCode: A, clientId: clients.police.clientId, agency: 'public-security', messageId: hk.id, recordId: 'HK-A',
      kind: 'hukou-change', question: '请核实迁出日期', crossCounty: false, requestedOn, dueAt: addDays(requestedOn, 15), requestedBy: { id: users.county.id, username: 'xiecha-county' },
    }));
    expect(late.state).toBe('overdue');

    const overdue = await expectJson(await staff('county', 'GET', '/v1/verification-requests?state=overdue'), 200);
    expect(overdue.items.map((r: any) => [r.id, r.agency, r.state])).toEqual([[late.id, 'public-security', 'overdue']]);
    expect((await expectJson(await staff('townshipB', 'GET', '/v1/verification-requests?state=overdue'), 200)).items).toEqual([]);
    expect((await agencyList(clients.police, '?status=overdue')).items.map((r: any) => [r.requestId, r.state])).toEqual([[late.id, 'overdue']]);
    expect((await agencyList(clients.police)).items.map((r: any) => r.state)).toEqual(['open', 'overdue']);

    // Civil affairs also answers, today, a cross-county request (due in 30 days) sent 24 days ago: on time, but slow.
    const [mr] = await hub.sql(`SELECT id FROM inbound_message WHERE record_id = 'MR-A'`);
    const requestedEarlier = addDays(today, -24);
    const slow = await hub.api.get(UnitOfWork).run((tx) => hub.api.get(VerificationRepository).create(tx, {
      discrepancyId: discrepancy.marital, townshipCode: A, clientId: clients.civil.clientId, agency: 'civil-affairs', messageId: mr.id, recordId: 'MR-A',
      kind: 'marriage-record', question: '请核实登记机关', crossCounty: true, requestedOn: requestedEarlier, dueAt: addDays(requestedEarlier, 30), requestedBy: { id: users.county.id, username: 'xiecha-county' },
    }));
    expect((await expectJson(await answer(clients.civil, slow.id, { answer: 'confirmed', comment: '登记机关无误' }), 200)).duplicate).toBe(false);

    // The shipped plan's department line: public security 0 of 1 fell due answered on time, none answered;
    // civil affairs 2 of 2 on time, answered after 0 and 24 days: a median of 12 days.
    const assessment = hub.api.get(AssessmentService);
    const plan = JSON.parse(fs.readFileSync(path.join(__dirname, '../../libs/domain/data/plans/511325-2026.json'), 'utf8'));
    await assessment.publishPlan(plan, null);
    await assessment.computeIndicators(2026, today);
    const stored = await hub.api.get(IndicatorRepository).values(plan.id, 2026);
    const byUnit = Object.fromEntries(stored.filter((v) => v.indicatorId === 'verification-answers').map((v) => [v.unitId, v]));
    expect(Object.keys(byUnit).sort()).toEqual(['civil-affairs', 'health', 'public-security']);
    expect(byUnit['public-security']).toMatchObject({ value: 0, numerator: 0, denominator: 1, evidence: [`discrepancy:${discrepancy.moved}`] });
    expect(byUnit['civil-affairs']).toMatchObject({ value: 100, numerator: 2, denominator: 2, note: expect.stringMatching(/^median answer time 12 days over 2 answered$/) });
    expect(byUnit.health).toMatchObject({ value: 100, denominator: 0, note: 'no verification request fell due' });

    // The median answer time, scored beside the rate: a department that answered nothing has nothing slow.
    const days = Object.fromEntries(stored.filter((v) => v.indicatorId === 'verification-answer-days').map((v) => [v.unitId, v]));
    expect(Object.keys(days).sort()).toEqual(['civil-affairs', 'health', 'public-security']);
    expect(days['civil-affairs']).toMatchObject({ value: 12, numerator: null, denominator: 2, evidence: [`discrepancy:${discrepancy.marital}`], note: 'median over 2 answered' });
    expect(days['public-security']).toMatchObject({ value: 0, denominator: 0, note: 'no verification request answered' });
    expect(days.health).toMatchObject({ value: 0, denominator: 0, note: 'no verification request answered' });
  });

  it('`sanxian push answer` answers from a file, once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sanxian-answer-'));
    const file = path.join(dir, 'answer.json');
    const env = { POLICE_SECRET: clients.police.secret };
    const args = ['push', 'answer', file, '--request', request.police, '--client', clients.police.clientId, '--secret-env', 'POLICE_SECRET', '--url', hub.url];
    try {
      fs.writeFileSync(file, JSON.stringify({ answer: 'confirmed' }));
      const refused = await runCliAsync(args, env);
      expect([refused.status, refused.stdout]).toEqual([1, expect.stringContaining('/comment  required')]);

      fs.writeFileSync(file, JSON.stringify({ answer: 'confirmed', comment: '经核实，该户已于2025年8月1日迁出' }));
      const first = await runCliAsync(args, env);
      expect([first.status, first.stdout.trim()]).toEqual([0, `Answered request ${request.police}: confirmed.`]);
      const again = await runCliAsync(args, env);
      expect([again.status, again.stdout]).toEqual([0, expect.stringContaining('was answered before')]);
      expect(await hub.sql(`SELECT answer, comment, message_id FROM verification_answer WHERE request_id = $1`, [request.police])).toEqual([
        { answer: 'confirmed', comment: '经核实，该户已于2025年8月1日迁出', message_id: null },
      ]);
      const unknown = await runCliAsync([...args.slice(0, 3), '--request', '00000000-0000-4000-8000-000000000000', ...args.slice(5)], env);
      expect([unknown.status, unknown.stderr]).toEqual([2, expect.stringContaining('404')]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes five answers sent at once as one: the first in stands, the others are told so', async () => {
    const sentNow = await expectJson(await staff('county', 'POST', `/v1/discrepancies/${discrepancy.moved}/verification-requests`, { question: '请再次核实迁出' }), 201);
    const results = await Promise.all([1, 2, 3, 4, 5].map(async (n) => expectJson(await answer(clients.police, sentNow.id, { answer: 'confirmed', comment: `核实 ${n}` }), 200)));
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    const [stored] = await hub.sql(`SELECT comment FROM verification_answer WHERE request_id = $1`, [sentNow.id]);
    for (const r of results) expect(r.answer.comment).toBe(stored.comment);
    expect(await hub.sql(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'verification.answer' AND detail->>'requestId' = $1`, [sentNow.id])).toEqual([{ n: 1 }]);
  });

  it('keeps requests and answers as evidence: the database refuses to change or remove them', async () => {
    for (const statement of [
      `UPDATE verification_request SET question = 'x'`, `DELETE FROM verification_request`,
      `UPDATE verification_answer SET comment = 'x'`, `DELETE FROM verification_answer`, `TRUNCATE verification_answer`,
    ]) {
      await expect(hub.sql(statement)).rejects.toThrow(/append-only/);
    }
  });
});
