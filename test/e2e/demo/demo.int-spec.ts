import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { Client } from 'pg';
import { TEST_ADMIN_URL, TEST_PG_BASE, TEST_REDIS_URL, uniqueQueuePrefix } from '../../support/test-database';

const ROOT = join(__dirname, '..', '..', '..');

interface Breakdown {
  key: string;
  facts?: { checkId?: string; value?: number };
  children: Breakdown[];
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/* `npm run demo` as an operator runs it: a process, on a small county (20,000 people: births enough for the plan's vetoes), start to finish. */
describe('the demo, run as a process', () => {
  const out = mkdtempSync(join(tmpdir(), 'sanxian-demo-'));
  const database = `sanxian_demo_test_${process.pid}`;
  afterAll(async () => {
    rmSync(out, { recursive: true, force: true });
    const admin = new Client({ connectionString: TEST_ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  });

  it('generates, pushes, reconciles, scores, prints the results and writes the workbook; then stops the hub', async () => {
    const port = await freePort();
    const env = { ...process.env, DATABASE_URL: `${TEST_PG_BASE}/postgres`, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: uniqueQueuePrefix() };
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'sanxian.js'), 'demo', '--people', '20000', '--port', String(port), '--out', out, '--database', database], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });

    for (let step = 1; step <= 9; step++) expect(stdout).toContain(`▶ ${step}/9`);
    expect(stdout).toMatch(/records pushed in [\d.]+ s \([\d,]+ records\/s\), all processed/);
    // Reconciliation, Chinese first: discrepancy kinds by the console's names, and why facts were not linked, by cause.
    expect(stdout).toMatch(/差异 discrepancies：新发现 [1-9]\d*/);
    expect(stdout).not.toMatch(/^\s+birth-not-notified\s+\d/m);
    const causes = /不属育龄妇女信息系统管理范围 outside the registry's scope\s+(\d+)\n\s+男性 men (\d+)，15岁以下儿童 children under 15 (\d+)，49岁以上妇女 women over 49 (\d+)\n\s+新迁入、尚未建卡的育龄妇女 women who moved in, no card yet\s+(\d+)\n\s+15–49岁妇女、找不到对应家庭卡 women of 15–49 matching no card\s+(\d+)/.exec(stdout);
    expect(causes).not.toBeNull();
    const [outside, men, children, older, movedIn, noMatch] = causes!.slice(1).map(Number);
    expect(outside).toBe(men + children + older);
    expect(men).toBeGreaterThan(0);
    const notLinked = Number(/未匹配 (\d+)/.exec(stdout)![1]);
    expect(outside + movedIn + noMatch).toBe(notLinked);

    // Scores: each line in Chinese, and every yellow card and veto the engine gave, by name, with its reason.
    for (const line of ['党政线', '业务线', '部门线']) expect(stdout).toMatch(new RegExp(`== ${line} .*：\\d+ 个单位，黄牌警告 \\d+ 个（其中一票否决 \\d+ 个）==`));
    const sanxian = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin', 'sanxian.js'), ...args], {
      env: { ...env, DATABASE_URL: `${TEST_PG_BASE}/${database}` }, encoding: 'utf8',
    });
    const scored = sanxian('score', '--year', '2026', '--json');
    expect(scored.status).toBe(0);
    const units = (JSON.parse(scored.stdout) as { units: { unitId: string; name: { zh: string }; outcome: { kind: string }; vetoes: { name: { zh: string } }[]; breakdown: Breakdown }[] }).units;

    // The spot-check campaign: the summary's numbers are the API's.
    const campaignId = /平时抽查 2026-Q4（campaign ([0-9a-f-]{36})）/.exec(stdout)?.[1];
    expect(campaignId).toBeDefined();
    const listed = sanxian('campaigns', 'list', '--year', '2026', '--json');
    expect(listed.status).toBe(0);
    const [campaign] = JSON.parse(listed.stdout) as { id: string; state: string; townships: number; teams: number; frame: Record<string, number>; draws: number; closedDays: number; frameHash: string }[];
    expect(campaign).toMatchObject({ id: campaignId, state: 'published', townships: 3, teams: 2, draws: 2, closedDays: 2 });
    const frame = /抽样框 frame：村 ([\d,]+)，村民小组 ([\d,]+)，户 ([\d,]+)，人 ([\d,]+)（hash ([0-9a-f]{12})…）/.exec(stdout)!.slice(1);
    expect(frame).toEqual([...['villages', 'groups', 'households', 'persons'].map((k) => campaign.frame[k].toLocaleString('en-US')), campaign.frameHash.slice(0, 12)]);
    const drawn = [...stdout.matchAll(/^\s+([AB])组 \d{4}-\d\d-\d\d：村 (\d+)，组 (\d+)，户 ([\d,]+)$/gm)];
    expect(drawn.map((d) => d[1])).toEqual(['A', 'B']);
    // Team A visits one township, B two: two villages each, with every group the frame holds there.
    expect(drawn.map((d) => Number(d[2]))).toEqual([2, 4]);
    expect(drawn.reduce((n, d) => n + Number(d[4].replace(/,/g, '')), 0)).toBeGreaterThan(0);
    const verified = sanxian('lottery', 'verify', campaignId!, '--json');
    expect(verified.status).toBe(0);
    const verification = JSON.parse(verified.stdout) as { ok: boolean; draws: { matches: boolean }[] };
    expect(verification.ok).toBe(true);
    expect(stdout).toContain(`抽签验证 lottery verify：全部一致 every draw matches (${verification.draws.length}/${verification.draws.length})`);
    const returns = Number(/调查表 returns：(\d+) 份，签名 (\d+) 个/.exec(stdout)![1]);
    expect(returns).toBe(6);
    expect(stdout).toContain(`签名 ${returns * 2} 个`);
    const [findings, raised] = /发现 findings：([\d,]+) 条，已立案平时抽查发现 ([\d,]+) 条/.exec(stdout)!.slice(1).map((n) => Number(n.replace(/,/g, '')));
    const db = new Client({ connectionString: `${TEST_PG_BASE}/${database}` });
    await db.connect();
    const [{ open }] = (await db.query(`SELECT count(*)::int AS open FROM discrepancy WHERE kind = 'spot-check-finding' AND status = 'open'`)).rows;
    await db.end();
    expect([findings, raised]).toEqual([open, open]);
    const results = sanxian('campaigns', 'results', campaignId!, '--json');
    const byUnit = new Map((JSON.parse(results.stdout) as { unitId: string; level: string; findings: number; birthAccuracy: { value: number | null; numerator: number; denominator: number } }[]).map((u) => [u.unitId, u]));
    // Each township's 求实率 as printed; where the survey found a birth, the township's regular part scores the campaign's figure.
    const accuracy = [...stdout.matchAll(/^\s+\S+（(\d{9})） (?:([\d.]+)%（[\d.]+%–[\d.]+%，(\d+)\/(\d+)）|调查未发现本期出生)/gm)];
    expect(accuracy).toHaveLength(3);
    for (const [, code, value, numerator, denominator] of accuracy) {
      const unit = byUnit.get(code)!;
      const regular = units.find((u) => u.unitId === code)!.breakdown.children.find((c) => c.key === 'regular');
      const scoredAccuracy = regular?.children.flatMap((d) => d.children).find((n) => n.key === 'regular/level/birth-statistics-accuracy');
      if (value === undefined) {
        expect(unit.birthAccuracy.value).toBeNull();
        // Nothing measured there: scored on year end alone, as a unit no check covered.
        expect(regular).toBeUndefined();
        continue;
      }
      expect([unit.birthAccuracy.value!.toFixed(2), unit.birthAccuracy.numerator, unit.birthAccuracy.denominator]).toEqual([value, Number(numerator), Number(denominator)]);
      expect(scoredAccuracy!.children.map((c) => [c.facts?.checkId, c.facts?.value])).toEqual([[`campaign-${campaignId}`, unit.birthAccuracy.value]]);
    }
    const carded = units.filter((u) => u.outcome.kind === 'yellow-card');
    // At 20,000 people (seed 1) the townships' few births give some vetoes: the check below is never vacuous.
    expect(carded.filter((u) => u.vetoes.length > 0).length).toBeGreaterThan(0);
    expect(stdout).toContain(`黄牌警告共 ${carded.length} 个单位`);
    for (const unit of carded) {
      const shown = stdout.split('\n').find((l) => l.includes(`! ${unit.name.zh}`));
      expect({ unit: unit.name.zh, shown }).toEqual({ unit: unit.name.zh, shown: expect.any(String) });
      if (unit.vetoes.length > 0) for (const veto of unit.vetoes) expect(shown).toContain(`一票否决：${veto.name.zh}`);
      else expect(shown).toMatch(/低于黄牌线/);
    }
    // The year published: the ledger's rows by outcome are the scored units' outcomes.
    const ledger = sanxian('ledger', 'show', '--year', '2026', '--json');
    expect(ledger.status).toBe(0);
    const rows = (JSON.parse(ledger.stdout) as { outcomes: { outcome: string }[] }).outcomes;
    expect(rows).toHaveLength(units.length);
    const printed = /奖惩台账 ledger 2026：已公布 published，(\d+) 个单位 units：(.*)$/m.exec(stdout)!;
    expect(Number(printed[1])).toBe(rows.length);
    for (const kind of ['award', 'no-award', 'yellow-card', 'veto']) {
      const n = rows.filter((r) => r.outcome === kind).length;
      if (n > 0) expect(printed[2]).toContain(`（${kind}）${n}`);
    }
    expect(stdout).toMatch(/demo finished in/);

    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(join(out, 'scoreboard-2026.xlsx'));
    expect(workbook.worksheets.length).toBeGreaterThanOrEqual(3);
    expect(existsSync(join(out, 'county', 'truth', 'discrepancies.ndjson'))).toBe(true);

    // The hub was stopped: nothing listens on the demo's port any more.
    await expect(fetch(`http://127.0.0.1:${port}/health/live`)).rejects.toThrow();
  }, 600_000);
});
