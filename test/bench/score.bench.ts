import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { todayInChina } from '@sanxian/reconciliation';
import { ROOT, benchSetting, cleanUp, cli, printTable, stopService, type Service } from './intake.bench';
import { loadCounty, probedCli, reconcileProcess, selectBaseline, type ProcessUsage } from './reconcile.bench';

/**
 * Issue 5: the time to recompute every indicator and score of the year, for the demo county and for a county
 * `--factor` times its size. Each size is a synthetic county 511325 for 2026 up to yesterday in China, pushed through
 * the exchange API (api and worker processes, real PostgreSQL and Redis), reconciled once, with the shipped 2026 plan
 * published; then `sanxian indicators compute` and `sanxian score --json` each run twice as processes of their own
 * (the second is the warm figure), with wall time, CPU and peak RSS, set against a plain COPY (SELECT …) TO STDOUT of
 * the rows the indicator queries read. `sanxian plan list` gives the cost of starting a CLI process, which the
 * small size's figures are mostly made of. Figures only: nothing is asserted.
 *
 *   npm run bench -- score [--people 200000] [--factor 10] [--seed 1] [--batch-size 10000] [--concurrency 4]
 */

const COUNTY = '511325';
const YEAR = 2026;
const PLAN_FILE = join(ROOT, 'libs', 'domain', 'data', 'plans', `${COUNTY}-${YEAR}.json`);
/** Below this, a time less the CLI start-up is noise, not a measure. */
const NET_NOISE_SECONDS = 0.2;
const AGENCY_KINDS = `('hukou-change', 'marriage-record', 'birth-notice')`;
/**
 * What IndicatorRepository's measures read (births, deaths, cards, policyCompliantBirths, birthsBySex, discrepanciesDue,
 * registryCompleteness, timeliness, validity, coverage): the columns they use, table by table, without their joins
 * and aggregation.
 */
const READS = [
  `SELECT id, message_id, kind, event, role, ordinal, region_code, sex, event_date,
     detail->>'policeStation', detail->>'facility', detail->>'registrationOffice' FROM canonical_fact WHERE kind IN ${AGENCY_KINDS}`,
  `SELECT id, client_id, kind, event_date, received_at FROM inbound_message WHERE kind IN ${AGENCY_KINDS}`,
  `SELECT id, kind, status, township_code, due_at, closed_at, subject->>'childBirthDate', evidence->'messageIds' FROM discrepancy`,
  `SELECT card_id, township_code, residence_status, marriage_date FROM registry_woman`,
  `SELECT card_id, birth_date, policy_compliant FROM registry_child`,
  `SELECT fact_id, card_id, card_role, decision FROM person_link`,
  `SELECT client_id, kind, station_code, received_at FROM intake_rejection WHERE kind IN ${AGENCY_KINDS}`,
];

interface Options { people: number; factor: number; seed: string; batchSize: number; concurrency: number }

function parseOptions(args: string[]): Options {
  const { values } = parseArgs({
    args,
    options: {
      people: { type: 'string', default: '200000' }, factor: { type: 'string', default: '10' }, seed: { type: 'string', default: '1' },
      'batch-size': { type: 'string', default: '10000' }, concurrency: { type: 'string', default: '4' },
    },
  });
  const int = (name: string, text: string): number => {
    const n = Number(text.trim());
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, not "${text}"`);
    return n;
  };
  return {
    people: int('people', values.people), factor: int('factor', values.factor), seed: values.seed,
    batchSize: int('batch-size', values['batch-size']), concurrency: int('concurrency', values.concurrency),
  };
}

/** The year so far, as the demo takes it: up to yesterday in China, or the whole year once it is over. */
function yearAsOf(): string {
  const yesterday = new Date(Date.parse(`${todayInChina()}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  const asOf = yesterday < `${YEAR}-12-31` ? yesterday : `${YEAR}-12-31`;
  if (asOf < `${YEAR}-01-01`) throw new Error(`the shipped plan is for ${YEAR}, which has not begun`);
  return asOf;
}

interface ComputeRun extends ProcessUsage { values: number; inRunSeconds: number }
interface ScoreRun extends ProcessUsage { units: number; outputBytes: number }

async function computeProcess(env: NodeJS.ProcessEnv, asOf: string, tempDir: string): Promise<ComputeRun> {
  const { stdout, ...usage } = await probedCli(['indicators', 'compute', '--year', String(YEAR), '--as-of', asOf], env, tempDir);
  const said = /computed (\d+) indicator value\(s\) for plan \S+ in ([\d.]+) s/.exec(stdout);
  if (!said) throw new Error(`unexpected output of sanxian indicators compute: ${stdout.slice(0, 500)}`);
  return { ...usage, values: Number(said[1]), inRunSeconds: Number(said[2]) };
}

async function scoreProcess(env: NodeJS.ProcessEnv, tempDir: string): Promise<ScoreRun> {
  const { stdout, ...usage } = await probedCli(['score', '--year', String(YEAR), '--json'], env, tempDir);
  const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as { units: unknown[] };
  return { ...usage, units: result.units.length, outputBytes: Buffer.byteLength(stdout) };
}

// ------------------------------------------------------------------------------------------------- one size

async function measureSize(people: number, options: Options, asOf: string) {
  const setting = await benchSetting(`sanxian_bench_score_${people}`);
  const { database, queuePrefix, env } = setting;
  env.COUNTY_CODE = COUNTY; // as the demo runs the hub
  env.RECONCILE_AS_OF = asOf;
  const services: Service[] = [];
  const tempDir = await mkdtemp(join(tmpdir(), 'sanxian-bench-score-'));
  let db: Client | undefined;
  try {
    console.log(`\n${people.toLocaleString('en-US')} people: generating and loading the county (${YEAR} up to ${asOf})…`);
    const loaded = await loadCounty(
      setting, services, tempDir,
      ['--county', COUNTY, '--people', String(people), '--seed', options.seed, '--year', String(YEAR), '--as-of', asOf], options,
    );
    db = loaded.db;
    console.log(`  loaded ${loaded.accepted.toLocaleString('en-US')} records in ${loaded.loadSeconds.toFixed(0)} s; reconciling…`);
    const reconcile = await reconcileProcess(env, asOf, tempDir); // not part of the score: reported apart
    await db.query('VACUUM ANALYZE'); // the links and discrepancies reconciliation just wrote
    await cli(['plan', 'publish', PLAN_FILE], env);

    console.log('  computing indicators and scoring…');
    // A command that barely touches the database: what starting a CLI process (Node, Nest, connections) costs; the median of three.
    const startups: ProcessUsage[] = [];
    for (let run = 0; run < 3; run++) startups.push(await probedCli(['plan', 'list', '--json'], env, tempDir).then(({ stdout: _plans, ...u }) => u));
    const startup = startups.sort((a, b) => a.wallSeconds - b.wallSeconds)[1];
    const compute = { first: await computeProcess(env, asOf, tempDir), warm: await computeProcess(env, asOf, tempDir) };
    const score = { first: await scoreProcess(env, tempDir), warm: await scoreProcess(env, tempDir) };
    const baseline = await selectBaseline(db, READS);

    type Counts = { cards: number; agencyMessages: number; agencyFacts: number; links: number; discrepancies: number; indicatorValues: number; evidenceIds: number };
    const [counts] = (await db.query<Counts>(`SELECT
        (SELECT count(*) FROM registry_woman)::int AS cards,
        (SELECT count(*) FROM inbound_message WHERE kind IN ${AGENCY_KINDS})::int AS "agencyMessages",
        (SELECT count(*) FROM canonical_fact WHERE kind IN ${AGENCY_KINDS})::int AS "agencyFacts",
        (SELECT count(*) FROM person_link)::int AS links,
        (SELECT count(*) FROM discrepancy)::int AS discrepancies,
        (SELECT count(*) FROM indicator_value)::int AS "indicatorValues",
        (SELECT coalesce(sum(cardinality(evidence)), 0) FROM indicator_value)::int AS "evidenceIds"`)).rows;
    return {
      people, database, asOf, synthSeconds: loaded.synthSeconds, loadSeconds: loaded.loadSeconds, accepted: loaded.accepted, states: loaded.states,
      ...counts,
      reconcile: { wallSeconds: reconcile.wallSeconds, inRunSeconds: reconcile.summary.milliseconds / 1000, peakRssMb: reconcile.peakRssMb, cpuSeconds: reconcile.cpuSeconds },
      startup, compute, score, baseline,
    };
  } finally {
    await Promise.all(services.map(stopService));
    await db?.end().catch(() => undefined);
    await cleanUp(database, queuePrefix, tempDir);
  }
}

// ------------------------------------------------------------------------------------------------- the run

const s = (x: number) => `${x.toFixed(x < 10 ? 2 : 1)} s`;
const mb = (x: number) => `${x.toFixed(0)} MB`;
const n = (x: number) => x.toLocaleString('en-US');
const fixed = (x: number | null) => (x === null ? '— (within start-up noise)' : x.toFixed(2));
const usage = (u: ProcessUsage) => `${s(u.wallSeconds)} (CPU ${s(u.cpuSeconds)}, peak RSS ${mb(u.peakRssMb)})`;

export async function runScoreBench(args: string[]): Promise<void> {
  const options = parseOptions(args);
  const asOf = yearAsOf();
  const loadAtStart = loadavg()[0];
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const sizes = [options.people, options.people * options.factor];
  console.log(`score bench: county ${COUNTY}, ${YEAR} up to ${asOf}, seed ${options.seed}, ${sizes.map(n).join(' and ')} people`);
  const runs: Awaited<ReturnType<typeof measureSize>>[] = [];
  for (const people of sizes) {
    const r = await measureSize(people, options, asOf);
    runs.push(r);
    console.log(`\n${n(people)} people: ${n(r.cards)} cards, ${n(r.agencyMessages)} agency records (${n(r.agencyFacts)} facts), ${n(r.links)} links, ${n(r.discrepancies)} discrepancies`);
    printTable({
      'synth / load (push + process)': `${s(r.synthSeconds)} / ${s(r.loadSeconds)}`,
      'reconcile, once (not scored)': `${usage(r.reconcile)}, in-run ${s(r.reconcile.inRunSeconds)}`,
      'CLI start-up (plan list, median of 3)': usage(r.startup),
      'indicators compute, first': `${usage(r.compute.first)}, in-run ${s(r.compute.first.inRunSeconds)}`,
      'indicators compute, warm': `${usage(r.compute.warm)}, in-run ${s(r.compute.warm.inRunSeconds)}`,
      'score --json, first': usage(r.score.first),
      'score --json, warm': usage(r.score.warm),
      'indicator values / evidence ids': `${n(r.compute.warm.values)} / ${n(r.evidenceIds)}; score: ${n(r.score.warm.units)} units, ${(r.score.warm.outputBytes / 2 ** 20).toFixed(1)} MB of JSON`,
      'SELECT baseline (COPY TO)': `${s(r.baseline.seconds)} (${(r.baseline.bytes / 2 ** 20).toFixed(0)} MB)`,
      'compute warm / baseline': `${(r.compute.warm.wallSeconds / r.baseline.seconds).toFixed(1)} (in-run ${(r.compute.warm.inRunSeconds / r.baseline.seconds).toFixed(1)})`,
      'compute + score, warm': s(r.compute.warm.wallSeconds + r.score.warm.wallSeconds),
    });
  }

  const [small, large] = runs;
  const sizeRatio = large.people / small.people;
  const ratio = (f: (r: typeof small) => number) => f(large) / f(small) / sizeRatio;
  // Without a CLI process's start-up, which weighs on the small size most; left out (null) when what is left at either
  // size is within the start-up's own noise.
  const netRatio = (f: (r: typeof small) => number): number | null => {
    const [a, b] = [f(small) - small.startup.wallSeconds, f(large) - large.startup.wallSeconds];
    return a < NET_NOISE_SECONDS || b < NET_NOISE_SECONDS ? null : b / a / sizeRatio;
  };
  const growth = {
    sizeRatio,
    computeWarm: ratio((r) => r.compute.warm.wallSeconds),
    computeWarmNetOfStartup: netRatio((r) => r.compute.warm.wallSeconds),
    computeWarmInRun: ratio((r) => r.compute.warm.inRunSeconds),
    scoreWarm: ratio((r) => r.score.warm.wallSeconds),
    scoreWarmNetOfStartup: netRatio((r) => r.score.warm.wallSeconds),
    baseline: ratio((r) => r.baseline.seconds),
    reconcile: ratio((r) => r.reconcile.wallSeconds),
    computePeakRss: large.compute.warm.peakRssMb / small.compute.warm.peakRssMb,
    scorePeakRss: large.score.warm.peakRssMb / small.score.warm.peakRssMb,
  };
  console.log('\n  people      compute warm  in-run   RSS      score warm  RSS      baseline  start-up  reconcile');
  for (const r of runs) {
    console.log(
      `  ${n(r.people).padEnd(10)}  ${s(r.compute.warm.wallSeconds).padStart(12)}  ${s(r.compute.warm.inRunSeconds).padStart(6)}  ${mb(r.compute.warm.peakRssMb).padStart(7)}` +
        `  ${s(r.score.warm.wallSeconds).padStart(10)}  ${mb(r.score.warm.peakRssMb).padStart(7)}  ${s(r.baseline.seconds).padStart(8)}  ${s(r.startup.wallSeconds).padStart(8)}  ${s(r.reconcile.wallSeconds).padStart(9)}`,
    );
  }
  printTable({
    'growth: (time ratio) / (size ratio)': `size ratio ${sizeRatio}; 1 = linear, ${sizeRatio} = quadratic`,
    'indicators compute (warm)': `${growth.computeWarm.toFixed(2)} (in-run ${growth.computeWarmInRun.toFixed(2)}, net of start-up ${fixed(growth.computeWarmNetOfStartup)})`,
    'score --json (warm)': `${growth.scoreWarm.toFixed(2)} (net of start-up ${fixed(growth.scoreWarmNetOfStartup)})`,
    'SELECT baseline': growth.baseline.toFixed(2),
    'reconcile (for reference)': growth.reconcile.toFixed(2),
    'peak RSS ratio compute / score': `${growth.computePeakRss.toFixed(2)} / ${growth.scorePeakRss.toFixed(2)}`,
  });
  console.log(`  machine: ${cpus().length} CPUs, load average ${loadAtStart.toFixed(2)} at the start`);
  const result = { benchmark: 'score', at: new Date().toISOString(), machine: { cpus: cpus().length, node: process.version, loadAverageAtStart: loadAtStart }, options, asOf, growth, runs };
  const out = join(ROOT, 'bench-results', `score-${stamp}.json`);
  await mkdir(join(ROOT, 'bench-results'), { recursive: true });
  await writeFile(out, JSON.stringify(result, null, 2) + '\n');
  console.log(`written to ${out}`);
}
