import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { AssessmentService, LedgerService, scoreboardWorkbook } from '@sanxian/assessment';
import { environmentWith, findUp, loadRegionDirectory, type RecordKind } from '@sanxian/contracts';
import { completeLoad, pushFile, sortedByReport, type PushSummary } from '@sanxian/exchange-client';
import { AssessmentRepository, ClientRepository, DiscrepancyRepository, IndicatorRepository, IntakeRepository, recreateDatabase, runMigrations, StaffRepository } from '@sanxian/persistence';
import { COUNTY_SCOPE, type AssessmentPlan } from '@sanxian/domain';
import { ReconciliationService, todayInChina } from '@sanxian/reconciliation';
import { generateCounty, type Manifest } from '@sanxian/synth';
import { describeDemoCampaign, describeDemoRun, describeDemoScoreboard, describeDemoLedger } from './demo-summary';
import { simulateAssessorInputs, simulateRegularCheck } from './demo-assessors';
import { runDemoCampaign, type DemoCampaignSummary } from './demo-campaign';
import { commandConfig, withHub } from './cli-context';
import { progressReporter } from './push.command';

const DEMO_DATABASE = 'sanxian_demo';
const DEMO_PASSWORD = 'sanxian-demo';
const FEEDS: { kind: RecordKind; agency: 'family-planning' | 'public-security' | 'civil-affairs' | 'health'; name: string; file: string }[] = [
  { kind: 'registry-card', agency: 'family-planning', name: '西充县计划生育信息系统', file: 'registry-cards.ndjson' },
  { kind: 'hukou-change', agency: 'public-security', name: '西充县公安局户政系统', file: 'hukou-changes.ndjson' },
  { kind: 'marriage-record', agency: 'civil-affairs', name: '西充县民政局婚姻登记系统', file: 'marriage-records.ndjson' },
  { kind: 'birth-notice', agency: 'health', name: '西充县卫生健康局出生医学证明系统', file: 'birth-notices.ndjson' },
];

interface DemoOptions {
  people: number;
  seed: string;
  port: number;
  out: string;
  database: string;
  serve?: boolean;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const count = (n: number) => n.toLocaleString('en-US');

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('the whole hub on a synthetic county: generate it, push a year of feeds through the signed API, reconcile, compute indicators, score, and print the results')
    .option('--people <n>', 'people in the synthetic county', positiveInteger, 200_000)
    .option('--seed <seed>', 'random seed of the synthetic county', '1')
    .option('--port <port>', 'port of the demo api', positiveInteger, 3000)
    .option('--out <dir>', 'where the county files and the workbook go', 'demo-output')
    .option('--database <name>', 'the demo\'s own database on the DATABASE_URL server (dropped and created again)', DEMO_DATABASE)
    .option('--serve', 'leave the hub running at the end (Ctrl-C stops it)')
    .action((options: DemoOptions) => runDemo(options));
}

async function runDemo(options: DemoOptions): Promise<void> {
  const started = Date.now();
  const planFile = join(findUp(join('libs', 'domain', 'data', 'plans')), '511325-2026.json');
  const planDocument = JSON.parse(readFileSync(planFile, 'utf8')) as { year: number; county: { code: string; name: string } };
  const year = planDocument.year;
  // The year so far, up to yesterday in China (or the whole year once it is over).
  const yesterday = new Date(Date.parse(`${todayInChina()}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  const asOf = yesterday < `${year}-12-31` ? yesterday : `${year}-12-31`;
  if (asOf < `${year}-01-01`) throw new Error(`the shipped plan is for ${year}, which has not begun`);

  if (!/^[a-z_][a-z0-9_]*$/.test(options.database)) throw new InvalidArgumentError(`--database must be a plain name like ${DEMO_DATABASE}`);
  // The demo's queues are its own unless QUEUE_PREFIX says otherwise; its database is on DATABASE_URL's server.
  const ownQueues = { QUEUE_PREFIX: '{sanxian-demo}' };
  const demoUrl = new URL(commandConfig(environmentWith({}, ownQueues)).databaseUrl);
  demoUrl.pathname = `/${options.database}`;
  const env = environmentWith({
    DATABASE_URL: demoUrl.toString(),
    PORT: String(options.port),
    LOG_LEVEL: 'warn',
    COUNTY_CODE: planDocument.county.code,
    RECONCILE_AS_OF: asOf,
    // The demo reconciles once, after the pushes, and says so.
    RECONCILE_AFTER_INTAKE_DELAY_MS: String(24 * 3600_000),
    RATE_LIMIT_REQUESTS_PER_SECOND: '100000',
    // A year replayed in minutes: each day's records are received on their reporting day.
    REPLAY_RECEIPT_TIMES: 'true',
  }, ownQueues);
  const out = resolve(options.out);
  const countyDir = join(out, 'county');
  mkdirSync(out, { recursive: true });
  // The log's signed checkpoints and their key beside the demo's other files; the database is new, so are its checkpoints.
  env.CHECKPOINT_FILE = join(out, 'log-checkpoints.jsonl');
  env.CHECKPOINT_KEY_FILE = join(out, 'checkpoint-signing-key.pem');
  rmSync(env.CHECKPOINT_FILE, { force: true });

  step(`1/9 database ${options.database} (recreated) and migrations`);
  await recreateDatabase(env.DATABASE_URL!);
  await runMigrations(env.DATABASE_URL!);

  step(`2/9 synthetic ${planDocument.county.name} (${planDocument.county.code}), ${count(options.people)} people, ${year} up to ${asOf}`);
  const manifest: Manifest = await generateCounty({ county: planDocument.county.code, people: options.people, seed: options.seed, year, asOf, out: countyDir });
  console.log(`   ${Object.entries(manifest.records).map(([kind, r]) => `${count(r.lines)} ${kind}`).join(', ')}`);

  step(`3/9 the hub: api on http://localhost:${options.port} and worker`);
  let hub = await startHub(env);
  try {
    const { clients, users } = await withHub(async (get) => {
      const created = [];
      for (const feed of FEEDS) created.push({ ...feed, ...(await get(ClientRepository).create(feed.agency, feed.name)) });
      const township = manifest.county.code + '101';
      const staff = [
        await get(StaffRepository).create('demo-admin', DEMO_PASSWORD, 'admin', null),
        await get(StaffRepository).create('demo-county', DEMO_PASSWORD, 'county', null),
        await get(StaffRepository).create(`demo-${township}`, DEMO_PASSWORD, 'township', township),
      ];
      return { clients: created, users: staff };
    }, env);

    step('4/9 pushing the registry and the year\'s feeds through the signed exchange API');
    const pushes: { kind: string; summary: PushSummary }[] = [];
    const pushStarted = Date.now();
    for (const client of clients) {
      const file = join(countyDir, client.file);
      const replay = client.kind !== 'registry-card';
      const input = replay ? await sortedByReport(file) : file;
      const progress = progressReporter();
      const summary = await pushFile({
        kind: client.kind, file: input, url: `http://127.0.0.1:${options.port}`, clientId: client.clientId, secret: client.secret,
        // The registry's cards as they stand: its initial load, never counted late.
        ...(replay ? {} : { load: 'initial' as const }),
        batchSize: 5000, concurrency: 2, replay, rejectionsFile: join(out, `${client.kind}.rejections.ndjson`), onProgress: progress.update,
      });
      progress.stop();
      // The registry's load is complete once its file is in: reconciliation need not wait for the quiet time.
      if (!replay) await completeLoad({ url: `http://127.0.0.1:${options.port}`, clientId: client.clientId, secret: client.secret, note: 'demo: the registry as it stands' });
      pushes.push({ kind: client.kind, summary });
      console.log(`   ${client.kind.padEnd(16)} ${count(summary.accepted).padStart(8)} accepted ${count(summary.duplicates).padStart(6)} duplicate ${count(summary.rejected).padStart(5)} rejected  (${count(Math.round(summary.records / (summary.elapsedMs / 1000)))} records/s)`);
    }
    const pushMs = Date.now() - pushStarted;
    const pushed = pushes.reduce((n, p) => n + p.summary.records, 0);

    step('5/9 waiting for the worker to process every batch');
    await withHub(async (get) => {
      for (;;) {
        const left = await get(IntakeRepository).countUnfinishedBatches();
        if (left === 0) break;
        await new Promise((r) => setTimeout(r, 500));
      }
    }, env);
    const processedMs = Date.now() - pushStarted;
    console.log(`   ${count(pushed)} records pushed in ${seconds(pushMs)} (${count(Math.round(pushed / (pushMs / 1000)))} records/s), all processed after ${seconds(processedMs)}`);

    step(`6/9 linkage and reconciliation as of ${asOf}`);
    const run = await withHub((get) => get(ReconciliationService).run({ trigger: 'cli', asOf }), env);
    const counts = await withHub((get) => get(DiscrepancyRepository).counts(COUNTY_SCOPE), env);
    // The eight townships with most open discrepancies.
    const mostOpen = counts.byTownship
      .filter((township) => township.open > 0)
      .sort((a, b) => b.open - a.open || (a.townshipCode < b.townshipCode ? -1 : 1))
      .slice(0, 8);
    console.log(indent(describeDemoRun(run, mostOpen, loadRegionDirectory())));

    step(`7/9 the ${year} assessment plan, and a spot-check campaign (平时抽查) from the lottery to publication`);
    const campaign = await withHub(async (get) => {
      // The plan first: its assessment year says which births the survey counts in 出生统计求实率.
      await get(AssessmentService).publishPlan(planDocument, null);
      const county = users.find((u) => u.role === 'county')!;
      const admin = users.find((u) => u.role === 'admin')!;
      return runDemoCampaign(get, { year, countyDir, regions: loadRegionDirectory(), county, admin, password: DEMO_PASSWORD });
    }, env);
    if ('skipped' in campaign) console.log(`   no campaign: ${campaign.skipped}`);
    else console.log(indent(describeDemoCampaign(campaign)));

    step(`8/9 the ${year} indicators and scores; the results published to the ledger`);
    const { result, plan, values } = await withHub(async (get) => {
      const assessment = get(AssessmentService);
      const computed = await assessment.computeIndicators(year, asOf);
      console.log(`   plan published; ${computed.values} indicator values computed in ${seconds(computed.milliseconds)}`);
      // What assessors enter by hand (spot checks, grades), simulated from the county's truth.
      const assessor = users.find((u) => u.role === 'county')!;
      const entered = simulateAssessorInputs(planDocument as unknown as AssessmentPlan, countyDir, options.seed);
      // The campaign's units: the rest of its regular check is entered by hand (never what the survey measured: its results count).
      const regular = 'skipped' in campaign ? [] : simulateRegularCheck(planDocument as unknown as AssessmentPlan, {
        checkId: `regular-${campaign.day}`, date: campaign.day, evidenceIds: [`campaign:${campaign.campaignId}`],
        unitIds: measuredUnits(campaign),
      }, entered, await get(IndicatorRepository).values(`${planDocument.county.code}-${year}`, year));
      for (const input of [...entered, ...regular]) await get(AssessmentRepository).addInput(`${planDocument.county.code}-${year}`, year, input.type, input.unitId, input.body, assessor.id);
      console.log(`   ${entered.length} assessor entries at year end (spot checks and grades, simulated from the county's ground truth)`);
      if (regular.length) console.log(`   ${regular.length - 1} for the campaign's regular check of ${(regular[0].body.unitIds as string[]).length} units (what the survey does not measure; its 出生统计求实率 and 信息准确率 come from the returns)`);
      return assessment.score(year);
    }, env);
    console.log(indent(describeDemoScoreboard(result, plan, 5)));
    // The bureau publishes the year's results as scored now: the ledger (奖惩台账) gets each unit's outcome.
    const ledger = await withHub(async (get) => {
      await get(LedgerService).publish(year, users.find((u) => u.role === 'county')!.id);
      return get(LedgerService).yearLedger(year);
    }, env);
    console.log(indent(describeDemoLedger(year, ledger.outcomes)));

    step('9/9 the scoreboard workbook');
    const workbook = join(out, `scoreboard-${year}.xlsx`);
    writeFileSync(workbook, await scoreboardWorkbook(plan, result, values));
    console.log(`   ${workbook}`);

    console.log(`\ndemo finished in ${seconds(Date.now() - started)}.`);
    if (!options.serve) return;
    // Serving: the same data, but a hub that receives records now, as a live one does.
    await stopHub(hub);
    hub = await startHub({ ...env, REPLAY_RECEIPT_TIMES: 'false' });
    console.log(`\nthe hub is running at http://localhost:${options.port} (OpenAPI at /docs); staff sign in as ${users.map((u) => u.username).join(', ')} with password "${DEMO_PASSWORD}". Ctrl-C stops it.`);
    await new Promise<void>((done) => {
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    });
  } finally {
    await stopHub(hub);
  }
}

/**
 * The plan units the campaign's regular check covers: a township where the survey measured its 出生统计求实率 (found
 * births of the period), an FP office where it compared items. A unit it measured nothing of is not covered: it is
 * scored on year end alone, as a unit no check covered, rather than lose the points of an indicator nobody measured.
 */
function measuredUnits(campaign: DemoCampaignSummary): string[] {
  const townships = campaign.birthAccuracy.filter((t) => t.value !== null).map((t) => t.code);
  const offices = campaign.itemAgreement.filter((t) => t.value !== null).map((t) => `${t.code}.fpo`);
  return [...townships, ...offices];
}

function step(text: string): void {
  console.log(`\n▶ ${text}`);
}

function indent(text: string): string {
  return text.split('\n').map((line) => `   ${line}`).join('\n');
}

interface RunningHub {
  children: ChildProcess[];
}

/** The api and the worker as the two processes `npm start` runs, ready when both say so. */
async function startHub(env: Record<string, string | undefined>): Promise<RunningHub> {
  const bin = join(findUp('bin'));
  const children = ['api', 'worker'].map((name) => spawn(process.execPath, [join(bin, `${name}.js`)], { env, stdio: ['ignore', 'pipe', 'inherit'] }));
  await Promise.all(
    children.map(
      (child, i) =>
        new Promise<void>((ready, fail) => {
          let seen = '';
          child.stdout!.on('data', (chunk: Buffer) => {
            seen += chunk.toString();
            if (/^sanxian (api|worker) ready/m.test(seen)) ready();
          });
          child.once('exit', (code) => fail(new Error(`the ${i === 0 ? 'api' : 'worker'} exited (${code}) before it was ready`)));
        }),
    ),
  );
  return { children };
}

async function stopHub(hub: RunningHub): Promise<void> {
  await Promise.all(
    hub.children.map(
      (child) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null) return done();
          child.once('exit', () => done());
          child.kill('SIGTERM');
        }),
    ),
  );
}
