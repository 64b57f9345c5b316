import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Workbook } from 'exceljs';
import { scoreAssessment, type AssessmentPlan } from '@sanxian/domain';
import { closingYearInputs, VETOED_TOWNSHIP, WARNED_TOWNSHIP, xichong2026 } from '@sanxian/domain/testing';
import { runCli } from '../../support/cli-process';
import { prepareClosingYear } from '../../support/closing-year';
import { Hub, startHub } from '../../support/hub-harness';
import { expectJson, keysOf, signInStaff, staffCaller } from '../../support/staff-api';
import type { LedgerOutcomeView, PersonDecisionView, YearLedgerView } from '@sanxian/api-types';

/**
 * Closing the year over HTTP: the shipped 2026 plan, indicator values and grades that give awards,
 * a veto (古楼镇) and a yellow card for its score (大全镇); an assessor's entry withdrawn before
 * publication; the publication writing the ledger; the payout sheet and yellow-card list; the
 * county's decisions about people and their corrections.
 */
const YEAR = 2026;
const PASSWORD = 'ledger-test-password';
const FPO = `${WARNED_TOWNSHIP}.fpo`;

/** What each awarded unit's tier pays, looked up in its group of the plan: the ledger's figures checked against the plan itself. */
function prizesFromPlan(plan: AssessmentPlan, units: readonly { group: string; outcome: { kind: string; tierId?: string } }[]): number[] {
  const prizeOf = new Map(plan.lines.flatMap((l) => l.rankings.flatMap((g) => g.tiers.map((t) => [`${g.id}/${t.id}`, t.prize] as const))));
  return units.filter((u) => u.outcome.kind === 'award').map((u) => prizeOf.get(`${u.group}/${u.outcome.tierId}`)!);
}

describe('the year\'s consequences as a ledger', () => {
  let hub: Hub;
  const users = {} as Record<'admin' | 'county' | 'townA' | 'inspector' | 'department', { id: string; token: string }>;
  const call = staffCaller(() => hub, users);
  const json = expectJson;
  const plan = xichong2026();
  const inputs = closingYearInputs(plan);

  beforeAll(async () => {
    hub = await startHub({ worker: false });
    await signInStaff(hub, 'lg', PASSWORD, [
      ['admin', 'admin', null], ['county', 'county', null], ['townA', 'township', '511325101'], ['inspector', 'inspector', null], ['department', 'department', 'health'],
    ], users);
    await prepareClosingYear(hub, users.inspector.id);
  });
  afterAll(() => hub?.close());

  describe('before publication', () => {
    it('withdraws an assessor\'s entry with a reason, audited; scoring leaves it out', async () => {
      const entered = await json(await call('inspector', 'POST', `/v1/assessments/${YEAR}/inputs`, { type: 'veto-event', unitId: FPO, vetoId: 'falsification', evidenceIds: ['处理决定 2026-9'] }), 201);
      const vetoedOffice = async () => (await json(await call('county', 'GET', `/v1/scoreboard?year=${YEAR}&line=business`), 200)).lines[0].units.find((u: any) => u.unitId === FPO);
      expect((await vetoedOffice()).vetoes).toHaveLength(1);

      const blank = await json(await call('inspector', 'POST', `/v1/assessments/${YEAR}/inputs/${entered.id}/withdrawal`, { reason: '  ' }), 400);
      expect(blank.errors).toEqual([{ field: 'reason', message: 'must not be blank' }]);
      expect((await json(await call('inspector', 'POST', `/v1/assessments/${YEAR}/inputs/${entered.id}/withdrawal`, {}), 400)).errors).toEqual([{ field: 'reason', message: 'is required' }]);
      expect((await json(await call('inspector', 'POST', `/v1/assessments/${YEAR}/inputs/x1/withdrawal`, { reason: 'r' }), 400)).errors[0].field).toBe('inputId');
      await json(await call('townA', 'POST', `/v1/assessments/${YEAR}/inputs/${entered.id}/withdrawal`, { reason: '不是我的' }), 403);
      await json(await call('inspector', 'POST', `/v1/assessments/${YEAR}/inputs/999999/withdrawal`, { reason: '无此条' }), 404);
      expect((await json(await call('inspector', 'POST', `/v1/assessments/${YEAR}/inputs/${entered.id}/withdrawal`, { reason: '撤\u0000销' }), 400)).errors[0].field).toBe('reason');
      await json(await call('inspector', 'POST', `/v1/assessments/${YEAR - 1}/inputs/${entered.id}/withdrawal`, { reason: '别的年度' }), 404);

      const withdrawal = await json(await call('inspector', 'POST', `/v1/assessments/${YEAR}/inputs/${entered.id}/withdrawal`, { reason: '处理决定已撤销' }), 201);
      expect(withdrawal).toMatchObject({ inputId: entered.id, reason: '处理决定已撤销', withdrawnBy: users.inspector.id });
      await json(await call('county', 'POST', `/v1/assessments/${YEAR}/inputs/${entered.id}/withdrawal`, { reason: 'again' }), 409);

      expect((await vetoedOffice()).vetoes).toEqual([]);
      const listed = await json(await call('department', 'GET', `/v1/assessments/${YEAR}/inputs`), 200);
      expect(listed.items.map((i: any) => i.id)).not.toContain(entered.id);
      expect(listed.withdrawals).toEqual([expect.objectContaining({ inputId: entered.id, reason: '处理决定已撤销' })]);
      // The entry itself is kept as entered.
      expect(await hub.sql(`SELECT type, unit_id FROM assessor_input WHERE id = $1`, [entered.id])).toEqual([{ type: 'veto-event', unit_id: FPO }]);
      const audited = await hub.sql(`SELECT username, target, detail FROM audit_log WHERE action = 'assessment.input-withdrawal'`);
      expect(audited).toEqual([{ username: 'lg-inspector', target: `${YEAR}/input/${entered.id}`, detail: { reason: '处理决定已撤销' } }]);
    });

    it('has no ledger yet: reading is a 404, deciding a 409', async () => {
      await json(await call('county', 'GET', `/v1/assessments/${YEAR}/ledger`), 404);
      await json(await call('county', 'GET', `/v1/assessments/${YEAR}/ledger.xlsx`), 404);
      await json(await call('county', 'POST', `/v1/assessments/${YEAR}/ledger/decisions`, { kind: 'admonition', personName: '王建华', post: '党委书记', meetingDate: '2027-01-20', meetingReference: '局长办公会议' }), 409);
    });
  });

  describe('publication', () => {
    it('records every unit\'s outcome in the ledger, with the prize money in total', async () => {
      const published = await json(await call('county', 'POST', `/v1/assessments/${YEAR}/publication`, { comment: '局长办公会议审定' }), 201);
      const expected = scoreAssessment(plan, inputs);
      const prizes = prizesFromPlan(plan, expected.units);
      expect(prizes.length).toBeGreaterThan(0);
      expect(published).toMatchObject({ year: YEAR, planId: plan.id, published: true, units: expected.units.length, prizeTotal: prizes.reduce((a, b) => a + b, 0) });

      const ledger = await json(await call('inspector', 'GET', `/v1/assessments/${YEAR}/ledger`), 200);
      // Exactly the keys of the console's types (libs/api-types).
      expect(Object.keys(ledger).sort()).toEqual(keysOf<YearLedgerView>()(['year', 'planId', 'planVersion', 'publishedAt', 'prizeTotal', 'outcomes', 'decisions']));
      expect(Object.keys(ledger.outcomes[0]).sort()).toEqual(keysOf<LedgerOutcomeView>()([
        'id', 'planId', 'planVersion', 'year', 'recordedBy', 'recordedAt', 'unitId', 'unitName', 'line', 'groupId', 'rank', 'score', 'outcome', 'outcomeName', 'yellowCard', 'tierId', 'prize', 'reasons',
      ]));
      expect(ledger).toMatchObject({ year: YEAR, planId: plan.id, planVersion: plan.version, prizeTotal: published.prizeTotal, decisions: [] });
      expect(ledger.outcomes.map((o: any) => [o.unitId, o.rank, o.score])).toEqual(expected.units.map((u) => [u.unitId, u.rank, u.score]));
      const outcome = (unitId: string) => ledger.outcomes.find((o: any) => o.unitId === unitId);
      expect(outcome(VETOED_TOWNSHIP)).toMatchObject({ outcome: 'veto', yellowCard: true, prize: 0, outcomeName: { zh: '黄牌警告' } });
      expect(outcome(VETOED_TOWNSHIP).reasons).toEqual(['一票否决：政策外生育超过2例且超过出生数的20‰，实际 4例，4/58 = 68.97‰']);
      expect(outcome(WARNED_TOWNSHIP)).toMatchObject({ outcome: 'yellow-card', yellowCard: true, prize: 0 });
      expect(outcome(WARNED_TOWNSHIP).reasons[0]).toMatch(/低于黄牌线/);
      // The withdrawn veto is not in the published results.
      expect(outcome(FPO).outcome).not.toBe('veto');
      const audit = await hub.sql(`SELECT detail FROM audit_log WHERE action = 'assessment.publish'`);
      expect(audit).toEqual([{ detail: expect.objectContaining({ prizeTotal: published.prizeTotal, yellowCards: published.yellowCards, comment: '局长办公会议审定' }) }]);
    });

    it('refuses to withdraw an entry once published, and to change or remove a ledger row', async () => {
      const [grade] = await hub.sql(`SELECT id FROM assessor_input WHERE type = 'grade' LIMIT 1`);
      const refused = await json(await call('county', 'POST', `/v1/assessments/${YEAR}/inputs/${grade.id}/withdrawal`, { reason: '太晚了' }), 409);
      expect(refused.detail).toContain('published');
      await expect(hub.sql(`UPDATE assessment_outcome SET prize = 50000 WHERE unit_id = $1`, [VETOED_TOWNSHIP])).rejects.toThrow(/append-only/);
      await expect(hub.sql(`DELETE FROM assessment_outcome`)).rejects.toThrow(/append-only/);
      await expect(hub.sql(`UPDATE assessor_input_withdrawal SET reason = 'x'`)).rejects.toThrow(/append-only/);
    });

    it('exports the payout sheet, whose total is the sum of the tiers\' prizes, and the yellow-card list', async () => {
      await json(await call('townA', 'GET', `/v1/assessments/${YEAR}/ledger`), 403);
      const res = await call('townA', 'GET', `/v1/assessments/${YEAR}/ledger.xlsx`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="ledger-${plan.id}-${YEAR}.xlsx"`);
      const workbook = new Workbook();
      await workbook.xlsx.load(Buffer.from(await res.arrayBuffer()) as any);
      expect(workbook.worksheets.map((s) => s.name)).toEqual(['说明 About', '奖金兑现 payout', '黄牌警告 yellow cards']);

      const rows: unknown[][] = [];
      workbook.getWorksheet('奖金兑现 payout')!.eachRow((row, n) => n > 2 && rows.push((row.values as unknown[]).slice(1)));
      const total = rows.pop()!;
      const prizes = prizesFromPlan(plan, scoreAssessment(plan, inputs).units);
      expect(rows.map((r) => r[7])).toEqual(prizes);
      expect(total[7]).toBe(prizes.reduce((a, b) => a + b, 0));

      const carded: unknown[] = [];
      workbook.getWorksheet('黄牌警告 yellow cards')!.eachRow((row, n) => n > 2 && carded.push(row.getCell(3).value));
      expect(carded).toEqual(expect.arrayContaining([VETOED_TOWNSHIP, WARNED_TOWNSHIP]));
    });
  });

  describe('decisions about people', () => {
    const admonition = { kind: 'admonition', personName: '王建华', post: '古楼镇党委书记', unitId: VETOED_TOWNSHIP, meetingDate: '2027-01-20', meetingReference: '西计生〔2027〕3号' };

    it('names each bad field in a 400', async () => {
      const cases: [unknown, string[]][] = [
        [{ ...admonition, kind: 'dismissal' }, ['kind']],
        [{ ...admonition, personName: ' ', meetingDate: '20 January' }, ['meetingDate', 'personName']],
        [{ ...admonition, unitId: '511325999' }, ['unitId']],
        [{ ...admonition, withdrawn: true }, ['corrects']],
        [{ ...admonition, corrects: '987654' }, ['corrects']],
        [{ kind: 'admonition' }, ['meetingDate', 'meetingReference', 'personName', 'post']],
        // PostgreSQL text holds no NUL: refused as bad input, never a 500.
        [{ ...admonition, personName: '王\u0000建华', note: '\u0000' }, ['note', 'personName']],
      ];
      for (const [body, fields] of cases) {
        const problem = await json(await call('county', 'POST', `/v1/assessments/${YEAR}/ledger/decisions`, body), 400);
        expect([body, problem.errors.map((e: any) => e.field).sort()]).toEqual([body, fields]);
      }
    });

    it('records admonitions and accounts at the meeting, audited; a correction is a new row pointing at the old, once', async () => {
      await json(await call('inspector', 'POST', `/v1/assessments/${YEAR}/ledger/decisions`, admonition), 403);
      const first = await json(await call('county', 'POST', `/v1/assessments/${YEAR}/ledger/decisions`, admonition), 201);
      expect(Object.keys(first).sort()).toEqual(keysOf<PersonDecisionView>()([
        'id', 'year', 'kind', 'kindName', 'personName', 'post', 'unitId', 'meetingDate', 'meetingReference', 'note', 'corrects', 'withdrawn', 'correctedBy', 'recordedBy', 'recordedAt',
      ]));
      expect(first).toMatchObject({ ...admonition, year: YEAR, corrects: null, correctedBy: null, withdrawn: false, kindName: { zh: '诫勉谈话' }, recordedBy: users.county.id });
      const spoke = await json(await call('admin', 'POST', `/v1/assessments/${YEAR}/ledger/decisions`, {
        kind: 'account-at-meeting', personName: '李国强', post: '县卫生局局长', unitId: 'health', meetingDate: '2027-02-10', meetingReference: '全县计生工作大会',
      }), 201);
      expect(spoke.kindName.zh).toBe('大会检讨');
      const correction = await json(await call('county', 'POST', `/v1/assessments/${YEAR}/ledger/decisions`, { ...admonition, post: '古楼镇党委副书记', corrects: first.id, note: '职务录错' }), 201);
      const twice = await json(await call('county', 'POST', `/v1/assessments/${YEAR}/ledger/decisions`, { ...admonition, corrects: first.id }), 409);
      expect(twice.errors).toEqual([expect.objectContaining({ field: 'corrects' })]);

      const ledger = await json(await call('county', 'GET', `/v1/assessments/${YEAR}/ledger`), 200);
      expect(ledger.decisions.map((d: any) => [d.id, d.post, d.corrects, d.correctedBy])).toEqual([
        [first.id, '古楼镇党委书记', null, correction.id],
        [spoke.id, '县卫生局局长', null, null],
        [correction.id, '古楼镇党委副书记', first.id, null],
      ]);
      await expect(hub.sql(`UPDATE person_decision SET post = 'x'`)).rejects.toThrow(/append-only/);
      const audited = await hub.sql(`SELECT username, action FROM audit_log WHERE action IN ('ledger.decision', 'ledger.read') ORDER BY id`);
      expect(audited.map((a) => `${a.username} ${a.action}`)).toEqual([
        'lg-inspector ledger.read', 'lg-county ledger.decision', 'lg-admin ledger.decision', 'lg-county ledger.decision', 'lg-county ledger.read',
      ]);
    });
  });

  describe('the CLI', () => {
    const cli = (args: string[]) => runCli(args, { DATABASE_URL: hub.db.url, REDIS_URL: hub.env.REDIS_URL, QUEUE_PREFIX: hub.env.QUEUE_PREFIX, SECRETS_KEY: hub.env.SECRETS_KEY, LOG_LEVEL: 'error' });

    it('shows the ledger in the county\'s words, and says when a year has none', () => {
      const shown = cli(['ledger', 'show', '--year', String(YEAR)]);
      expect(shown.stderr).toBe('');
      expect(shown.status).toBe(0);
      const prizes = prizesFromPlan(plan, scoreAssessment(plan, inputs).units);
      expect(shown.stdout).toContain(`奖金共 ${prizes.reduce((a, b) => a + b, 0).toLocaleString('en-US')} 元`);
      expect(shown.stdout).toMatch(/! 古楼镇（511325104） 黄牌警告：一票否决：政策外生育超过2例且超过出生数的20‰/);
      // The corrected admonition counts once, as its correction.
      expect(shown.stdout).toContain('诫勉谈话 1 人，大会检讨 1 人');
      const none = cli(['ledger', 'show', '--year', '2031']);
      expect(none.status).toBe(2);
      expect(none.stderr).toContain('no assessment plan is published for 2031');
    });

    it('writes the payout sheet and the yellow-card list, and audits the JSON that names people', async () => {
      const out = join(mkdtempSync(join(tmpdir(), 'sanxian-ledger-')), 'ledger.xlsx');
      const exported = cli(['ledger', 'export', '--year', String(YEAR), '--out', out]);
      expect(exported.status).toBe(0);
      const workbook = new Workbook();
      await workbook.xlsx.readFile(out);
      const sheet = workbook.getWorksheet('奖金兑现 payout')!;
      const prizes = prizesFromPlan(plan, scoreAssessment(plan, inputs).units);
      expect(sheet.getRow(sheet.rowCount).getCell(8).value).toBe(prizes.reduce((a, b) => a + b, 0));

      const json = cli(['ledger', 'show', '--year', String(YEAR), '--json']);
      expect(JSON.parse(json.stdout).decisions).toHaveLength(3);
      const audited = await hub.sql(`SELECT username, detail->>'by' AS by FROM audit_log WHERE action = 'ledger.read' ORDER BY id DESC LIMIT 1`);
      expect(audited).toEqual([{ username: null, by: 'cli' }]);
    });
  });

  it('documents the ledger endpoints in the OpenAPI document', async () => {
    const { paths } = await json(await fetch(`${hub.url}/docs/openapi.json`), 200);
    for (const path of ['/v1/assessments/{year}/ledger', '/v1/assessments/{year}/ledger/decisions', '/v1/assessments/{year}/ledger.xlsx', '/v1/assessments/{year}/inputs/{inputId}/withdrawal']) {
      expect(Object.keys(paths)).toContain(path);
    }
  });
});
