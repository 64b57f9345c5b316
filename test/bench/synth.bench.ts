import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';

/**
 * Synthetic county generation: people per second and peak memory, each size in its own child
 * process so that its peak RSS is its own. Memory must not grow with the number of people (the
 * generator streams), so the figures at 100,000 and 1,000,000 people should be about the same.
 * Reports figures only: nothing is asserted.
 *
 *   npm run bench -- synth [--sizes 100000,1000000] [--county 511325] [--seed 1]
 */

const ROOT = join(__dirname, '..', '..', '..'); // dist/test/bench → repository root
const CHILD_FLAG = '--synth-bench-child';

interface ChildResult {
  people: number;
  seconds: number;
  peakRssMb: number;
  /** Heap still in use after generation and a full GC: what the generator keeps (should not grow with people). */
  retainedHeapMb: number;
  lines: Record<string, number>;
  discrepancies: number;
}

interface Run extends ChildResult {
  peoplePerSecond: number;
}

export async function runSynthBench(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { sizes: { type: 'string', default: '100000,1000000' }, county: { type: 'string', default: '511325' }, seed: { type: 'string', default: '1' } },
  });
  const sizes = values.sizes.split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--sizes must be positive integers, not "${s}"`);
    return n;
  });
  const loadAtStart = loadavg()[0];
  console.log(`synth bench: county ${values.county}, seed ${values.seed}, sizes ${sizes.map((n) => n.toLocaleString('en-US')).join(', ')} (${cpus().length} cpus, load ${loadAtStart.toFixed(2)})`);

  const runs: Run[] = [];
  for (const people of sizes) {
    const dir = await mkdtemp(join(tmpdir(), `sanxian-synth-bench-${people}-`));
    try {
      const result = await runChild(people, values.county, values.seed, dir);
      const run: Run = { ...result, peoplePerSecond: Math.round(result.people / result.seconds) };
      runs.push(run);
      console.log(
        `  ${people.toLocaleString('en-US').padStart(10)} people: ${run.seconds.toFixed(1)} s, ${run.peoplePerSecond.toLocaleString('en-US')} people/s, ` +
          `peak RSS ${run.peakRssMb.toFixed(0)} MB (heap retained ${run.retainedHeapMb.toFixed(0)} MB), ${(run.lines['truth/records.ndjson'] ?? 0).toLocaleString('en-US')} records, ${run.discrepancies.toLocaleString('en-US')} discrepancies`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const smallest = runs[0];
  const largest = runs[runs.length - 1];
  const memoryGrowth = runs.length > 1 ? largest.peakRssMb / smallest.peakRssMb : 1;
  if (runs.length > 1) {
    console.log(
      `  peak RSS at ${largest.people.toLocaleString('en-US')} people is ${memoryGrowth.toFixed(2)}× that at ${smallest.people.toLocaleString('en-US')} ` +
        `(${(largest.people / smallest.people).toFixed(0)}× the people)`,
    );
  }

  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const out = join(ROOT, 'bench-results', `synth-${stamp}.json`);
  await mkdir(join(ROOT, 'bench-results'), { recursive: true });
  const result = {
    benchmark: 'synth',
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, node: process.version, loadAverageAtStart: loadAtStart },
    options: { county: values.county, seed: values.seed, sizes },
    runs,
    memoryGrowth,
  };
  await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`written to ${out}`);
}

async function runChild(people: number, county: string, seed: string, dir: string): Promise<ChildResult> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', __filename, CHILD_FLAG, String(people), county, seed, dir], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as ChildResult;
}

/** In the child: generate, then report the time and the process's own peak RSS. */
async function child(people: number, county: string, seed: string, dir: string): Promise<void> {
  // As in run.ts: the compiled code keeps `@sanxian/*` imports, resolved here.
  require('../../../bin/runtime').registerAliases();
  const { generateCounty } = require('@sanxian/synth') as typeof import('@sanxian/synth');
  const started = process.hrtime.bigint();
  const manifest = await generateCounty({ people, county, seed, out: dir });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  (globalThis as { gc?: () => void }).gc?.();
  const result: ChildResult = {
    people: manifest.population.atStart,
    seconds,
    // ru_maxrss, in kilobytes on Linux.
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    retainedHeapMb: process.memoryUsage().heapUsed / 1e6,
    lines: manifest.files,
    discrepancies: manifest.discrepancies.total,
  };
  console.log(JSON.stringify(result));
}

if (require.main === module && process.argv[2] === CHILD_FLAG) {
  const [people, county, seed, dir] = process.argv.slice(3);
  child(Number(people), county, seed, dir).catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  });
}
