import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { toFacts } from '@sanxian/exchange';
import { PendingMessage, PersonalDataCipher, ProcessedBatchBuilder } from '@sanxian/persistence';
import { sealedFormerly } from '../support/former-seal';
import { hukouChange } from '../support/record-factory';

/**
 * What sealing personal data costs, in one process and without a database: CPU a value to seal, open and
 * hash (PersonalDataCipher), and CPU a record of the worker's processing before its COPY (parse, map to
 * facts, seal, encode as COPY text) for the intake bench's hukou changes, with sealing and without. CPU
 * time, the median of the rounds: steadier than wall time on a shared machine. Reports figures only.
 *
 *   npm run bench -- seal [--values 20000] [--rounds 7]
 */

const ROOT = join(__dirname, '..', '..', '..'); // dist/test/bench → repository root

/** CPU microseconds an item of `work`, which handles `items` items: the median of `rounds` (after one to warm up). */
function cpuMicros(items: number, rounds: number, work: () => void): number {
  work();
  const each: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.cpuUsage();
    work();
    const used = process.cpuUsage(start);
    each.push((used.user + used.system) / items);
  }
  return each.sort((a, b) => a - b)[Math.floor(rounds / 2)];
}

export async function runSealBench(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { values: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '7' } } });
  const n = Number(values.values);
  const rounds = Number(values.rounds);
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(rounds) || rounds < 1) throw new Error('--values and --rounds must be positive integers');
  const loadAtStart = loadavg()[0];
  const key = randomBytes(32);
  const pii = new PersonalDataCipher(key);
  const records = Array.from({ length: n }, (_, i) => hukouChange(i + 1, 1));
  const people = records.map((r) => r.person as { citizenId: string; name: string });
  const ids = people.map((p) => p.citizenId);
  const names = people.map((p) => p.name);
  const sealedIds = ids.map((id) => pii.seal(id));
  const formerIds = ids.map((id) => sealedFormerly(key, id));
  const messages: PendingMessage[] = records.map((r, i) => ({
    id: randomUUID(), clientId: 'bench', recordId: `HK-1-${i + 1}`, kind: 'hukou-change', payload: JSON.stringify(r), receivedAt: '2026-12-07 15:00:00.123456+00',
  }));
  // The worker's step before its COPY (ProcessingService.map), with the hub's cipher or one that leaves values as they are.
  const encode = (cipher: PersonalDataCipher) => () => {
    const batch = new ProcessedBatchBuilder(cipher);
    for (const m of messages) batch.add(m, toFacts(m.kind, JSON.parse(m.payload), m));
    batch.finish();
  };
  const clear = { seal: (v: string | null) => v ?? null, lookup: (v: string | null) => v ?? null } as unknown as PersonalDataCipher;

  const figures = {
    'seal a citizen id': cpuMicros(n, rounds, () => ids.forEach((v) => pii.seal(v))),
    'seal a name': cpuMicros(n, rounds, () => names.forEach((v) => pii.seal(v))),
    'open a citizen id (p2:, current format)': cpuMicros(n, rounds, () => sealedIds.forEach((v) => pii.open(v))),
    'open a citizen id (p1:, former format)': cpuMicros(n, rounds, () => formerIds.forEach((v) => pii.open(v))),
    'keyed hash of a citizen id (lookup)': cpuMicros(n, rounds, () => ids.forEach((v) => pii.lookup(v))),
    'worker before COPY, a record: parse, map, seal, encode': cpuMicros(n, rounds, encode(pii)),
    'the same without sealing or hashing': cpuMicros(n, rounds, encode(clear)),
  };
  console.log(`seal bench: ${n.toLocaleString('en-US')} hukou changes' ids and names, median of ${rounds} rounds, CPU µs (${cpus().length} CPUs, load average ${loadAtStart.toFixed(2)} at the start)`);
  for (const [what, micros] of Object.entries(figures)) console.log(`  ${what.padEnd(56)} ${micros.toFixed(2)} µs`);
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const out = join(ROOT, 'bench-results', `seal-${stamp}.json`);
  await mkdir(join(ROOT, 'bench-results'), { recursive: true });
  const result = { benchmark: 'seal', at: new Date().toISOString(), machine: { cpus: cpus().length, node: process.version, loadAverageAtStart: loadAtStart }, options: { values: n, rounds }, cpuMicros: figures };
  await writeFile(out, JSON.stringify(result, null, 2) + '\n');
  console.log(`written to ${out}`);
}
