import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecordKind } from '@sanxian/contracts';
import { loadCountyData } from './county-data.loader';
import { generateHouseholds, type GenerationTally } from './county.generator';
import { CountyOutputWriter, OUTPUT_FILES, OUTPUT_KINDS } from './county-output.writer';
import { GENERATOR_VERSION, resolveOptions, type FaultRates, type SynthOptions } from './synth-options';
import { DISCREPANCY_KINDS, type DiscrepancyKind } from './synth-records.types';

export interface Manifest {
  generator: { name: '@sanxian/synth'; version: string };
  seed: string;
  county: { code: string; name: string };
  year: number;
  asOf: string;
  people: number;
  options: { graceDays: number; lateAfterDays: number; rates: FaultRates };
  /** Lines per output file, by its path in the output directory. */
  files: Record<string, number>;
  records: Record<RecordKind, { lines: number; invalid: number; resent: number; late: number }>;
  feedFaults: Record<string, number>;
  /** Records of events in the year not yet reported by asOf (not in the feeds), and births health never notified. */
  notYetReported: number;
  noticesMissing: number;
  registryFaults: Record<string, number>;
  discrepancies: Record<DiscrepancyKind, number> & { total: number };
  population: {
    atStart: number;
    atEnd: number;
    households: number;
    moverHouseholds: number;
    avgHouseholdSize: number;
    sexRatio: number;
    ageShares: { '0-14': number; '15-64': number; '65+': number };
    women15to49Share: number;
    census: { '0-14': number; '15-64': number; '65+': number; women15to49: number; sexRatio: number; avgHouseholdSize: number };
  };
  events: {
    births: number;
    birthsByOrder: Record<string, number>;
    policyCompliantBirths: number;
    sexRatioAtBirth: number;
    deaths: number;
    marriages: number;
    divorces: number;
    movedIn: number;
    movedOut: number;
    floatingOut: number;
  };
  /** Per 1,000 of the mean population ((start + end) / 2), the statistics bureau's definition. */
  perThousand: { births: number; deaths: number; naturalGrowth: number; marriages: number; divorces: number };
}

/**
 * Generates the synthetic county into `options.out`: the four record files, the ground truth and
 * the manifest. Deterministic for the options (byte-identical files), streaming (memory does not
 * grow with `people`). Returns the manifest it wrote.
 */
export async function generateCounty(options: SynthOptions, onProgress?: (people: number) => void): Promise<Manifest> {
  const resolved = resolveOptions(options);
  const county = loadCountyData(resolved.county);
  const writer = await CountyOutputWriter.open(resolved.out);
  const perKind = Object.fromEntries(OUTPUT_KINDS.map((k) => [k, { lines: 0, invalid: 0, resent: 0, late: 0 }])) as Manifest['records'];
  const byKind = Object.fromEntries(DISCREPANCY_KINDS.map((k) => [k, 0])) as Record<DiscrepancyKind, number>;
  let tally: GenerationTally;
  try {
    const households = generateHouseholds(resolved, county);
    for (;;) {
      const next = households.next();
      if (next.done) {
        tally = next.value;
        break;
      }
      for (const entry of next.value.entries) {
        writer.write(entry.kind, entry.record);
        writer.write('truthRecords', entry.truth);
        const counts = perKind[entry.kind];
        counts.lines++;
        if (!entry.valid) counts.invalid++;
        if (entry.truth.faults.includes('resent')) counts.resent++;
        if (entry.truth.late) counts.late++;
      }
      for (const d of next.value.discrepancies) {
        writer.write('discrepancies', d);
        byKind[d.kind]++;
      }
      for (const household of next.value.households) writer.write('households', household);
      await writer.drain();
      onProgress?.(writer.lines.truthRecords);
    }
    await writer.close();
  } catch (error) {
    await writer.abort();
    throw error;
  }
  const manifest = buildManifest(tally, writer, perKind, byKind);
  await writeFile(join(resolved.out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

const round = (x: number, digits = 2): number => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : 0);

function buildManifest(tally: GenerationTally, writer: CountyOutputWriter, records: Manifest['records'], byKind: Record<DiscrepancyKind, number>): Manifest {
  const { ctx } = tally;
  const { options, county, stats } = ctx;
  const files: Record<string, number> = {};
  for (const [key, file] of Object.entries(OUTPUT_FILES)) files[file] = writer.lines[key as keyof typeof OUTPUT_FILES];
  const start = stats.peopleAtStart;
  const mean = (start + tally.populationAtEnd) / 2;
  const perThousand = (n: number) => round((n / mean) * 1000);
  const census = county.census;
  const total = Object.values(byKind).reduce((a, b) => a + b, 0);
  return {
    generator: { name: '@sanxian/synth', version: GENERATOR_VERSION },
    seed: options.seed,
    county: { code: county.code, name: county.name },
    year: options.year,
    asOf: options.asOf,
    people: options.people,
    options: { graceDays: options.graceDays, lateAfterDays: options.lateAfterDays, rates: { ...options.rates } },
    files,
    records,
    feedFaults: Object.fromEntries(Object.entries(tally.feed.faults).sort(([a], [b]) => (a < b ? -1 : 1))),
    notYetReported: tally.feed.notYetReported,
    noticesMissing: tally.feed.noticeMissing,
    registryFaults: { ...tally.registry },
    discrepancies: { ...byKind, total },
    population: {
      atStart: start,
      atEnd: tally.populationAtEnd,
      households: stats.householdsAtStart,
      moverHouseholds: tally.moverHouseholds,
      avgHouseholdSize: round(start / stats.householdsAtStart),
      sexRatio: round((stats.males / (start - stats.males)) * 100),
      ageShares: {
        '0-14': round((stats.ageGroupsAtStart[0] / start) * 100),
        '15-64': round((stats.ageGroupsAtStart[1] / start) * 100),
        '65+': round((stats.ageGroupsAtStart[2] / start) * 100),
      },
      women15to49Share: round((stats.women15to49AtStart / start) * 100),
      census: {
        '0-14': census.pctAge0to14,
        '15-64': census.pctAge15to64,
        '65+': census.pctAge65plus,
        women15to49: census.pctWomen15to49,
        sexRatio: round((census.male / census.female) * 100),
        avgHouseholdSize: census.avgHouseholdSize,
      },
    },
    events: {
      births: stats.births,
      birthsByOrder: { ...stats.birthsByOrder },
      policyCompliantBirths: stats.compliantBirths,
      sexRatioAtBirth: round((stats.boys / Math.max(1, stats.births - stats.boys)) * 100),
      deaths: stats.deaths,
      marriages: stats.marriages,
      divorces: stats.divorces,
      movedIn: stats.movedIn,
      movedOut: stats.movedOut,
      floatingOut: stats.floatingOut,
    },
    perThousand: {
      births: perThousand(stats.births),
      deaths: perThousand(stats.deaths),
      naturalGrowth: perThousand(stats.births - stats.deaths),
      marriages: perThousand(stats.marriages),
      divorces: perThousand(stats.divorces),
    },
  };
}
