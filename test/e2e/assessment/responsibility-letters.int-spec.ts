import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import JSZip from 'jszip';
import type { AssessmentPlan } from '@sanxian/domain';
import { Hub, startHub } from '../../support/hub-harness';
import { expectJson, signInStaff, staffCaller } from '../../support/staff-api';

const PASSWORD = 'letters-test-password';
const SHIPPED = JSON.parse(readFileSync(join(__dirname, '../../../libs/domain/data/plans/511325-2026.json'), 'utf8')) as AssessmentPlan;
const YEAR = SHIPPED.year;
const MINGLONG = '511325110';
const MAOERSHAN = '511325110001'; // 猫儿山社区, births control number 9

/** The document's text as Word stores it: word/document.xml of the .docx (a zip). */
async function documentXml(bytes: ArrayBuffer): Promise<string> {
  const zip = await JSZip.loadAsync(bytes);
  return zip.file('word/document.xml')!.async('string');
}

/** The runs' text of document.xml, in order (one <w:t> after another). */
const textOf = (xml: string) => [...xml.matchAll(/<w:t(?: [^>]*)?>([^<]*)<\/w:t>/g)].map((m) => m[1]).join('');

describe('responsibility letters (责任书)', () => {
  let hub: Hub;
  const users = {} as Record<'county' | 'town' | 'village' | 'department', { id: string; token: string }>;
  const call = staffCaller(() => hub, users);

  beforeAll(async () => {
    hub = await startHub();
    await signInStaff(hub, 'letters', PASSWORD, [['county', 'county', null], ['town', 'township', MINGLONG], ['village', 'township', MAOERSHAN], ['department', 'department', 'health']], users);
    await expectJson(await call('county', 'POST', '/v1/plans', SHIPPED), 201);
  });
  afterAll(() => hub?.close());

  it("records a village's letter with its targets from the plan version signed on, and serves it as a Word document in Chinese", async () => {
    const letter = await expectJson(await call('county', 'POST', `/v1/assessments/${YEAR}/letters`, {
      unitId: MAOERSHAN, responsible: { name: '王建国', post: '村党支部书记' }, signedOn: `${YEAR}-02-10`,
    }), 201);
    expect(letter).toMatchObject({ unitId: MAOERSHAN, planId: SHIPPED.id, planVersion: 1, unitName: { zh: '猫儿山社区两委' }, supersedes: null, document: `/v1/assessments/${YEAR}/letters/${MAOERSHAN}/docx` });
    expect(letter.targets.find((t: any) => t.indicatorId === 'births-vs-control')).toMatchObject({ target: 9, points: 30, requirement: { zh: '不超过9得满分，至9.9不得分' } });
    // A village is not on the indicators assessors enter or grade for its township.
    expect(letter.targets.map((t: any) => t.indicatorId)).not.toContain('publicity-education');
    expect(letter.awards.map((a: any) => [a.name.zh, a.prize])).toEqual([['一等奖', 1000], ['二等奖', 600]]);

    const res = await call('village', 'GET', letter.document);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    const xml = await documentXml(await res.arrayBuffer());
    const text = textOf(xml);
    for (const expected of ['西充县2026年度人口和计划生育目标管理责任书', '鸣龙镇猫儿山社区两委', '出生人口控制数完成情况', '不超过9得满分', '符合政策生育率低于90%', '村党支部书记', '王建国', '2026年2月10日']) {
      expect([expected, text.includes(expected)]).toEqual([expected, true]);
    }
    // Every run names a font that has the Chinese characters, and says it is Chinese.
    expect(xml).toMatch(/w:eastAsia="SimSun"/);
    expect(xml).toMatch(/<w:lang [^>]*w:eastAsia="zh-CN"/);
  });

  it("keeps a township's own targets and supersedes a letter recorded again, never editing the first", async () => {
    const first = await expectJson(await call('county', 'POST', `/v1/assessments/${YEAR}/letters`, { unitId: MINGLONG, responsible: { name: '李卫东', post: '镇党委书记' }, signedOn: `${YEAR}-01-25` }), 201);
    expect(first.targets.find((t: any) => t.indicatorId === 'births-vs-control').target).toBe(56);
    const again = await expectJson(await call('county', 'POST', `/v1/assessments/${YEAR}/letters`, { unitId: MINGLONG, responsible: { name: '张红梅', post: '镇党委书记' }, signedOn: `${YEAR}-03-01` }), 201);
    expect(again.supersedes).toBe(first.id);
    expect(await expectJson(await call('town', 'GET', `/v1/assessments/${YEAR}/letters/${MINGLONG}`), 200)).toMatchObject({ id: again.id, responsible: { name: '张红梅' } });
    const list = await expectJson(await call('department', 'GET', `/v1/assessments/${YEAR}/letters`), 200);
    expect(list.items.map((l: any) => [l.unitId, l.responsible.name])).toEqual([[MINGLONG, '张红梅'], [MAOERSHAN, '王建国']]);

    await expect(hub.sql(`UPDATE responsibility_letter SET responsible_name = 'x' WHERE id = $1`, [first.id])).rejects.toThrow(/append-only/);
    await expect(hub.sql(`DELETE FROM responsibility_letter WHERE id = $1`, [first.id])).rejects.toThrow(/append-only/);
    const audit = await hub.sql(`SELECT detail FROM audit_log WHERE action = 'letter.record' AND target = $1 ORDER BY at`, [`letter/${YEAR}/${MINGLONG}`]);
    expect(audit.map((a) => a.detail.responsible.name)).toEqual(['李卫东', '张红梅']);
  });

  it('names the bad field, refuses a unit outside the plan, and lets county staff alone record', async () => {
    const bad = await expectJson(await call('county', 'POST', `/v1/assessments/${YEAR}/letters`, { unitId: MAOERSHAN, responsible: { name: '  ', post: '专干' }, signedOn: `${YEAR}-02-30` }), 400);
    expect(bad.errors.map((e: any) => e.field)).toEqual(['signedOn']);
    const blank = await expectJson(await call('county', 'POST', `/v1/assessments/${YEAR}/letters`, { unitId: MAOERSHAN, responsible: { name: '  ', post: '专干' }, signedOn: `${YEAR}-02-03` }), 400);
    expect(blank.errors).toEqual([{ field: 'responsible.name', message: 'must not be blank' }]);
    const unknown = await expectJson(await call('county', 'POST', `/v1/assessments/${YEAR}/letters`, { unitId: '511325999001', responsible: { name: '赵', post: '书记' }, signedOn: `${YEAR}-02-03` }), 400);
    expect(unknown.errors[0]).toMatchObject({ field: 'unitId', message: expect.stringContaining('no unit 511325999001') });
    await expectJson(await call('town', 'POST', `/v1/assessments/${YEAR}/letters`, { unitId: MINGLONG, responsible: { name: '赵', post: '书记' }, signedOn: `${YEAR}-02-03` }), 403);
    await expectJson(await call('county', 'GET', `/v1/assessments/${YEAR}/letters/511325110002`), 404);
    await expectJson(await call('county', 'GET', `/v1/assessments/${YEAR}/letters/511325110002/docx`), 404);
  });

  it('shows a control or bidi character typed into a name in the document, never obeys it', async () => {
    const letter = await expectJson(await call('county', 'POST', `/v1/assessments/${YEAR}/letters`, { unitId: '511325110203', responsible: { name: '刘\u202E芳', post: '村计生专干' }, signedOn: `${YEAR}-02-11` }), 201);
    const text = textOf(await documentXml(await (await call('county', 'GET', letter.document)).arrayBuffer()));
    expect(text).toContain('村计生专干  刘&lt;U+202E&gt;芳');
    expect(text).not.toContain('\u202E');
  });
});
