import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { Client } from 'pg';
import { TEST_ADMIN_URL, TEST_PG_BASE, TEST_REDIS_URL, uniqueQueuePrefix } from '../../support/test-database';

const ROOT = join(__dirname, '..', '..', '..');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/* `npm run demo` as an operator runs it: a process, on a small county, start to finish. */
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
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'sanxian.js'), 'demo', '--people', '3000', '--port', String(port), '--out', out, '--database', database], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });

    for (let step = 1; step <= 8; step++) expect(stdout).toContain(`▶ ${step}/8`);
    expect(stdout).toMatch(/records pushed in [\d.]+ s \([\d,]+ records\/s\), all processed/);
    expect(stdout).toMatch(/discrepancies: [1-9]\d* raised/);
    for (const line of ['party-government', 'business', 'department']) expect(stdout).toContain(`== ${line} (`);
    expect(stdout).toMatch(/demo finished in/);

    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(join(out, 'scoreboard-2026.xlsx'));
    expect(workbook.worksheets.length).toBeGreaterThanOrEqual(3);
    expect(existsSync(join(out, 'county', 'truth', 'discrepancies.ndjson'))).toBe(true);

    // The hub was stopped: nothing listens on the demo's port any more.
    await expect(fetch(`http://127.0.0.1:${port}/health/live`)).rejects.toThrow();
  }, 300_000);
});
