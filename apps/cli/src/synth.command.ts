import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import {
  DEFAULT_COUNTY,
  DEFAULT_GRACE_DAYS,
  DEFAULT_LATE_AFTER_DAYS,
  DEFAULT_PEOPLE,
  DEFAULT_SEED,
  DEFAULT_YEAR,
  FAULT_NAMES,
  FAULT_RATES,
  SynthOptionsError,
  generateCounty,
  type FaultRates,
  type Manifest,
} from '@sanxian/synth';

/**
 * `sanxian synth`: generates a synthetic county (registry, agency feeds and ground truth) into a
 * directory. Exit code 0 on success, 2 for bad options.
 */
interface SynthCommandOptions {
  county: string;
  people: number;
  seed: string;
  year: number;
  out: string;
  asOf?: string;
  graceDays: number;
  lateAfterDays: number;
  json?: boolean;
  [rate: string]: unknown;
}

const EXIT_USAGE = 2;
const LOG_INTERVAL_MS = 5000;

function integer(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer of at least ${min}`);
    return n;
  };
}

function rate(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('expected a rate between 0 and 1, e.g. 0.05');
  return n;
}

function date(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value))) throw new InvalidArgumentError('expected a date YYYY-MM-DD');
  return value;
}

/** commander's property name for a flag: `missing-child-rate` → `missingChildRate`. */
function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

const count = (n: number): string => n.toLocaleString('en-US');

function summaryText(manifest: Manifest, dir: string, seconds: number): string {
  const lines: string[] = [];
  const p = manifest.population;
  lines.push(
    `Synthetic county ${manifest.county.code} ${manifest.county.name}, year ${manifest.year} (as of ${manifest.asOf}), seed ${manifest.seed}: ` +
      `${count(p.atStart)} people in ${count(p.households)} households, generated in ${seconds.toFixed(1)} s (${count(Math.round(p.atStart / Math.max(seconds, 0.001)))} people/s)`,
  );
  const r = manifest.perThousand;
  lines.push(`  per 1,000: births ${r.births}, deaths ${r.deaths}, marriages ${r.marriages}, divorces ${r.divorces} (natural growth ${r.naturalGrowth})`);
  lines.push(`Files in ${dir}:`);
  const width = Math.max(...Object.keys(manifest.files).map((f) => f.length));
  for (const [file, lines_] of Object.entries(manifest.files)) lines.push(`  ${file.padEnd(width)}  ${count(lines_).padStart(9)} lines`);
  lines.push(`  ${'manifest.json'.padEnd(width)}`);
  lines.push(`Discrepancies the ground truth expects (${count(manifest.discrepancies.total)}):`);
  for (const [kind, n] of Object.entries(manifest.discrepancies)) if (kind !== 'total') lines.push(`  ${kind.padEnd(28)} ${count(n).padStart(7)}`);
  return lines.join('\n');
}

export function registerSynthCommand(program: Command): void {
  const command = program
    .command('synth')
    .description('generate a synthetic county: the FP registry, the agencies\' feeds for a year and the ground truth (deterministic for a seed)')
    .option('--county <code>', 'county code with region data in libs/domain/data/regions', DEFAULT_COUNTY)
    .option('--people <n>', 'people in the county on 1 January', integer(1), DEFAULT_PEOPLE)
    .option('--seed <seed>', 'random seed: the same seed gives byte-identical files', DEFAULT_SEED)
    .option('--year <year>', 'the year simulated', integer(2000), DEFAULT_YEAR)
    .requiredOption('--out <dir>', 'output directory (created; existing files are replaced)')
    .option('--as-of <date>', 'reconciliation date of the ground truth (default <year>-12-31)', date)
    .option('--grace-days <n>', 'days after a birth before a missing card child or notice is a discrepancy', integer(0), DEFAULT_GRACE_DAYS)
    .option('--late-after-days <n>', 'a record reported more than this many days after its event is late', integer(0), DEFAULT_LATE_AFTER_DAYS)
    .option('--json', 'print the manifest as JSON on stdout instead of the summary');
  for (const name of FAULT_NAMES) {
    const fault = FAULT_RATES[name];
    command.option(`--${fault.flag} <rate>`, `${fault.what} (default ${fault.default})`, rate);
  }
  command
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE))
    .action(async (options: SynthCommandOptions, cmd: Command) => {
      const rates: Partial<FaultRates> = {};
      for (const name of FAULT_NAMES) {
        const value = options[camel(FAULT_RATES[name].flag)];
        if (typeof value === 'number') rates[name] = value;
      }
      const out = resolve(options.out);
      const started = process.hrtime.bigint();
      let lastLog = Date.now();
      let manifest: Manifest;
      try {
        manifest = await generateCounty(
          { county: options.county, people: options.people, seed: options.seed, year: options.year, out, asOf: options.asOf, graceDays: options.graceDays, lateAfterDays: options.lateAfterDays, rates },
          (records) => {
            if (Date.now() - lastLog < LOG_INTERVAL_MS) return;
            lastLog = Date.now();
            process.stderr.write(`synth: ${count(records)} records written\n`);
          },
        );
      } catch (error) {
        if (error instanceof SynthOptionsError || (error instanceof Error && /^no (region data|census row)/.test(error.message))) {
          cmd.error(`error: ${error.message}`, { exitCode: EXIT_USAGE });
        }
        throw error;
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (options.json) console.log(JSON.stringify(manifest, null, 2));
      else console.log(summaryText(manifest, out, seconds));
    });
}
