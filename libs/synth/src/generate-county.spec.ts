import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { RecordValidator, type RecordKind } from '@sanxian/contracts';
import { normaliseCitizenIdForm, normaliseName, normaliseRecordFields, parseCitizenId } from '@sanxian/domain';
import { PLAUSIBLE_PER_THOUSAND } from './demography.model';
import { generateCounty, type Manifest } from './generate-county';
import { FIELD_FORMS } from './field-form.writer';
import { FAULT_NAMES, FAULT_RATES, type SynthOptions } from './synth-options';
import { DISCREPANCY_KINDS, type Discrepancy, type TruthRecord } from './synth-records.types';

/*
 * The generator's promises, checked on its written files: determinism, contract validity, and a
 * ground truth that an independent reading of the files reproduces exactly.
 */

const FILES: Record<RecordKind, string> = {
  'registry-card': 'registry-cards.ndjson',
  'hukou-change': 'hukou-changes.ndjson',
  'marriage-record': 'marriage-records.ndjson',
  'birth-notice': 'birth-notices.ndjson',
};
const KINDS = Object.keys(FILES) as RecordKind[];

const root = mkdtempSync(join(tmpdir(), 'synth-spec-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const runs = new Map<string, Promise<{ dir: string; manifest: Manifest }>>();
function generated(name: string, options: { people: number; seed: string; county?: string; asOf?: string; graceDays?: number; rates?: SynthOptions['rates'] }): Promise<{ dir: string; manifest: Manifest }> {
  let run = runs.get(name);
  if (!run) {
    const dir = join(root, name);
    run = generateCounty({ ...options, out: dir }).then((manifest) => ({ dir, manifest }));
    runs.set(name, run);
  }
  return run;
}

function lines<T>(file: string): T[] {
  const text = readFileSync(file, 'utf8');
  return text === '' ? [] : text.trimEnd().split('\n').map((line) => JSON.parse(line) as T);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('determinism', () => {
  it('gives byte-identical files for the same seed', async () => {
    const a = await generated('same-a', { people: 3000, seed: '42' });
    const b = await generated('same-b', { people: 3000, seed: '42' });
    const names = filesUnder(a.dir).map((f) => relative(a.dir, f)).sort();
    expect(names).toEqual(filesUnder(b.dir).map((f) => relative(b.dir, f)).sort());
    expect(names).toEqual(expect.arrayContaining([...Object.values(FILES), 'truth/records.ndjson', 'truth/discrepancies.ndjson', 'manifest.json']));
    for (const name of names) {
      expect({ name, same: readFileSync(join(a.dir, name)).equals(readFileSync(join(b.dir, name))) }).toEqual({ name, same: true });
    }
    expect(a.manifest.population.atStart).toBe(3000);
  });

  it('gives different counties for different seeds', async () => {
    const a = await generated('same-a', { people: 3000, seed: '42' });
    const c = await generated('other', { people: 3000, seed: '43' });
    for (const file of [...Object.values(FILES), 'truth/records.ndjson']) {
      expect(readFileSync(join(a.dir, file)).equals(readFileSync(join(c.dir, file)))).toBe(false);
    }
    expect(c.manifest.population.atStart).toBe(3000);
  });
});

describe('records', () => {
  const validator = RecordValidator.create();

  it('all validate against the exchange schemas, except the invalid share, which fails with the code the truth names', async () => {
    const { dir, manifest } = await generated('main', { people: 20_000, seed: '1' });
    const truth = lines<TruthRecord>(join(dir, 'truth/records.ndjson'));
    let invalid = 0;
    for (const kind of KINDS) {
      const records = lines<Record<string, unknown>>(join(dir, FILES[kind]));
      const truths = truth.filter((t) => t.kind === kind);
      expect(records.length).toBe(truths.length);
      const wrong: unknown[] = [];
      records.forEach((record, i) => {
        const t = truths[i];
        expect(t.recordId).toBe(record.recordId);
        // Pinned at as-of: nothing may be dated after it (the clock may not be earlier).
        const { errors, warnings } = validator.check(kind, record, { today: manifest.asOf });
        const expected = t.faults.find((f) => f.startsWith('invalid:'))?.slice('invalid:'.length);
        if (expected !== undefined) {
          invalid++;
          if (!errors.some((e) => e.code === expected)) wrong.push({ recordId: t.recordId, expected, errors });
        } else if (errors.length > 0) wrong.push({ recordId: t.recordId, errors });
        // Warnings only where a hospital typed a parent's id with a wrong check digit, and where a
        // clerk's name variant (a space after the surname) or a field form was read in its normal form.
        const normalised = warnings.filter((w) => w.code === 'normalised');
        const others = warnings.filter((w) => w.code !== 'normalised');
        const writtenInAFieldForm = t.faults.includes('name-variant') || t.faults.some((f) => f.startsWith('field-form:'));
        if (expected === undefined && ((others.length > 0) !== t.faults.includes('check-digit') || (normalised.length > 0 && !writtenInAFieldForm))) {
          wrong.push({ recordId: t.recordId, warnings, faults: t.faults });
        }
      });
      expect(wrong).toEqual([]);
    }
    expect(invalid).toBeGreaterThan(0);
    expect(invalid).toBe(KINDS.reduce((n, k) => n + manifest.records[k].invalid, 0));
  });

  it('name in the truth the person each record is about', async () => {
    const { dir } = await generated('main', { people: 20_000, seed: '1' });
    const truth = new Map(lines<TruthRecord>(join(dir, 'truth/records.ndjson')).map((t) => [`${t.kind}|${t.recordId}`, t]));
    const mismatches: unknown[] = [];
    let checked = 0;
    for (const kind of KINDS) {
      for (const record of lines<Record<string, any>>(join(dir, FILES[kind]))) {
        const t = truth.get(`${kind}|${record.recordId}`)!;
        if (t.faults.some((f) => f.startsWith('invalid:') || f === 'mistyped-woman-id')) continue;
        const people: [string, { citizenId?: string } | undefined][] = [
          ...['person', 'partyA', 'partyB', 'mother', 'father', 'woman', 'husband'].map((role) => [role, record[role]] as [string, { citizenId?: string } | undefined]),
          ...((record.children ?? []) as { citizenId?: string }[]).map((c, i) => [`children/${i}`, c] as [string, { citizenId?: string }]),
        ];
        for (const [role, person] of people) {
          if (person?.citizenId === undefined) continue;
          const parsed = parseCitizenId(normaliseCitizenIdForm(person.citizenId), { today: '2025-12-31' });
          if (!parsed.ok) continue; // a wrong check digit: linkage's job
          checked++;
          if (t.persons[role] !== parsed.value.id) mismatches.push({ recordId: record.recordId, role, id: person.citizenId, truth: t.persons[role] });
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBeGreaterThan(5000);
  });

  it('write every field form of the contract, each record read back in normal form as the same record written cleanly', async () => {
    const formed = await generated('main', { people: 20_000, seed: '1' });
    const clean = await generated('clean', { people: 20_000, seed: '1', rates: { fieldForm: 0 } });
    for (const form of FIELD_FORMS) expect({ form, written: (formed.manifest.feedFaults[`field-form:${form}`] ?? 0) > 0 }).toEqual({ form, written: true });
    expect(clean.manifest.feedFaults).toEqual(Object.fromEntries(Object.entries(formed.manifest.feedFaults).filter(([code]) => !code.startsWith('field-form:'))));
    expect(readFileSync(join(clean.dir, 'truth/discrepancies.ndjson')).equals(readFileSync(join(formed.dir, 'truth/discrepancies.ndjson')))).toBe(true);
    let formedRecords = 0;
    for (const kind of KINDS) {
      const cleanLines = lines<Record<string, unknown>>(join(clean.dir, FILES[kind]));
      const formedLines = lines<Record<string, unknown>>(join(formed.dir, FILES[kind]));
      expect(formedLines.length).toBe(cleanLines.length);
      const differing = formedLines.filter((record, i) => JSON.stringify(normaliseRecordFields(kind, record).record) !== JSON.stringify(normaliseRecordFields(kind, cleanLines[i]).record));
      expect(differing).toEqual([]);
      formedRecords += formedLines.filter((record, i) => JSON.stringify(record) !== JSON.stringify(cleanLines[i])).length;
    }
    const total = KINDS.reduce((n, kind) => n + formed.manifest.records[kind].lines, 0);
    // The default rate, plus the dot variants of dotted names; resent copies carry their original's form.
    expect(formedRecords / total).toBeGreaterThan(0.06);
    expect(formedRecords / total).toBeLessThan(0.1);
  });

  it('flag as late exactly the records reported more than 30 days after their event', async () => {
    const { dir } = await generated('main', { people: 20_000, seed: '1' });
    const truth = new Map(lines<TruthRecord>(join(dir, 'truth/records.ndjson')).map((t) => [`${t.kind}|${t.recordId}`, t]));
    let late = 0;
    for (const kind of KINDS) {
      for (const record of lines<{ recordId: string; eventDate: string; reportedAt: string }>(join(dir, FILES[kind]))) {
        const t = truth.get(`${kind}|${record.recordId}`)!;
        if (t.faults.includes('invalid:format')) continue;
        const days = Math.round((Date.parse(record.reportedAt.slice(0, 10)) - Date.parse(record.eventDate)) / 86_400_000);
        expect({ id: record.recordId, days }).toEqual({ id: record.recordId, days: t.lateDays });
        expect(t.late).toBe(days > 30);
        expect(record.reportedAt.slice(0, 10) <= '2025-12-31').toBe(true);
        if (t.late) late++;
      }
    }
    expect(late).toBeGreaterThan(0);
  });
});

const TWENTY_THOUSAND: [string, { people: number; seed: string; county?: string }][] = [
  ['main', { people: 20_000, seed: '1' }],
  ['seed-2', { people: 20_000, seed: '2' }],
  ['wusheng', { people: 20_000, seed: '1', county: '511622' }],
];

describe('ground truth', () => {
  it.each(TWENTY_THOUSAND)('is exactly what an independent reading of the files finds, for every kind (%s)', async (name, options) => {
    const { dir, manifest } = await generated(name, options);
    const listed = lines<Discrepancy>(join(dir, 'truth/discrepancies.ndjson'));
    expect(new Set(listed.map((d) => d.key)).size).toBe(listed.length);
    const expected = recompute(dir, { asOf: manifest.asOf, graceDays: manifest.options.graceDays, year: manifest.year });
    for (const kind of DISCREPANCY_KINDS) {
      const mine = [...expected].filter((key) => key.startsWith(`${kind}:`)).sort();
      const theirs = listed.filter((d) => d.kind === kind).map((d) => d.key).sort();
      expect({ kind, keys: theirs }).toEqual({ kind, keys: mine });
    }
    for (const d of listed) {
      expect(d.key).toBe(`${d.kind}:${Object.values(d.subject).join('|')}`);
      expect(d.townshipCode).toBe(d.regionCode.slice(0, 9));
    }
  });

  it('follows --as-of and --grace-days: nothing dated after as-of, and the truth still reproducible', async () => {
    const { dir, manifest } = await generated('mid-year', { people: 8000, seed: '5', asOf: '2025-06-30', graceDays: 15 });
    expect(manifest.asOf).toBe('2025-06-30');
    for (const kind of KINDS) {
      for (const record of lines<{ eventDate: string; reportedAt?: string }>(join(dir, FILES[kind]))) {
        if (record.eventDate.includes('/')) continue; // invalid:format
        expect(record.eventDate <= '2025-06-30').toBe(true);
        expect((record.reportedAt ?? '').slice(0, 10) <= '2025-06-30').toBe(true);
      }
    }
    const listed = lines<Discrepancy>(join(dir, 'truth/discrepancies.ndjson')).map((d) => d.key).sort();
    expect(listed).toEqual([...recompute(dir, { asOf: '2025-06-30', graceDays: 15, year: 2025 })].sort());
    expect(listed.length).toBeGreaterThan(0);
  });

  it('has every kind of discrepancy, so that none of the comparisons is vacuous', async () => {
    const manifests = await Promise.all(TWENTY_THOUSAND.map(([name, options]) => generated(name, options).then((r) => r.manifest)));
    for (const kind of DISCREPANCY_KINDS) {
      const total = manifests.reduce((n, m) => n + m.discrepancies[kind], 0);
      expect({ kind, some: total > 0 }).toEqual({ kind, some: true });
    }
  });
});

describe('rates', () => {
  it.each(TWENTY_THOUSAND)('per 1,000 fall in the README ranges (%s)', async (name, options) => {
    const { manifest } = await generated(name, options);
    for (const [rate, [lo, hi]] of Object.entries(PLAUSIBLE_PER_THOUSAND)) {
      const value = manifest.perThousand[rate as keyof Manifest['perThousand']];
      expect({ rate, value, inRange: value >= lo && value <= hi }).toEqual({ rate, value, inRange: true });
    }
    // The population follows the census row.
    const p = manifest.population;
    expect(Math.abs(p.ageShares['0-14'] - p.census['0-14'])).toBeLessThan(3);
    expect(Math.abs(p.ageShares['65+'] - p.census['65+'])).toBeLessThan(3);
    expect(Math.abs(p.women15to49Share - p.census.women15to49)).toBeLessThan(3.5);
    expect(Math.abs(p.avgHouseholdSize - p.census.avgHouseholdSize)).toBeLessThan(0.25);
    // Nearly all births comply with the three-child policy.
    expect(manifest.events.policyCompliantBirths / manifest.events.births).toBeGreaterThan(0.9);
  });

  it('README states the ranges and every fault option with its default', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const label: Record<string, string> = { births: 'births', deaths: 'deaths', marriages: 'marriages', divorces: 'divorces', naturalGrowth: 'natural growth' };
    for (const [rate, [lo, hi]] of Object.entries(PLAUSIBLE_PER_THOUSAND)) {
      expect(readme).toContain(`| ${label[rate]} | ${lo.toFixed(1)}–${hi.toFixed(1)} |`);
    }
    for (const name of FAULT_NAMES) {
      const { flag, default: rate } = FAULT_RATES[name];
      expect(readme).toMatch(new RegExp(`\\| \`--${flag}\` \\| ${rate.toFixed(rate < 0.01 ? 3 : 2)} \\|`));
    }
  });
});

// ------------------------------------------------------------------------------------------------
// An independent reading of docs/reconciliation.md over the written files: global indexes instead of
// the generator's per-household pass, no shared code but the hub's own id parser and name normaliser.

interface Card {
  recordId: string;
  eventDate: string;
  regionCode: string;
  cardId: string;
  version: number;
  woman: { citizenId: string; name: string; sex: string; birthDate: string };
  maritalStatus: string;
  husband?: { citizenId: string; name: string; sex: string; birthDate: string };
  children: { citizenId?: string; name?: string; sex: string; birthDate: string; birthOrder: number }[];
  residenceStatus: string;
}

function recompute(dir: string, options: { asOf: string; graceDays: number; year: number }): Set<string> {
  const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;
  const asOf = day(options.asOf);
  const graced = (iso: string) => day(iso) + options.graceDays <= asOf;
  const inYear = (iso: string) => iso.startsWith(`${options.year}-`);
  const near = (a: string, b: string) => Math.abs(day(a) - day(b)) <= 1;

  const truth = new Map<string, TruthRecord>();
  for (const t of lines<TruthRecord>(join(dir, 'truth/records.ndjson'))) if (!truth.has(`${t.kind}|${t.recordId}`)) truth.set(`${t.kind}|${t.recordId}`, t);
  // What the hub accepted: valid records, each recordId once.
  const accepted = <T extends { recordId: string }>(kind: RecordKind): { record: T; truth: TruthRecord }[] => {
    const seen = new Set<string>();
    const out: { record: T; truth: TruthRecord }[] = [];
    // Read in normal form, as the hub reads them (exchange contract, "Normalisation at intake").
    for (const record of lines<T>(join(dir, FILES[kind])).map((r) => normaliseRecordFields(kind, r).record)) {
      const t = truth.get(`${kind}|${record.recordId}`)!;
      if (seen.has(record.recordId) || t.faults.some((f) => f.startsWith('invalid:'))) continue;
      seen.add(record.recordId);
      out.push({ record, truth: t });
    }
    return out;
  };

  const latestCard = new Map<string, { record: Card; truth: TruthRecord }>();
  for (const c of accepted<Card>('registry-card')) {
    const seen = latestCard.get(c.record.cardId);
    if (!seen || seen.record.version < c.record.version) latestCard.set(c.record.cardId, c);
  }
  const cards = [...latestCard.values()];
  const cardOfWoman = new Map(cards.map((c) => [c.truth.persons.woman, c]));
  const hukou = accepted<any>('hukou-change');
  const marriages = accepted<any>('marriage-record');
  const notices = accepted<any>('birth-notice');
  const keys = new Set<string>();

  // birth-not-in-registry
  const births = notices.map((n) => ({ mother: n.truth.persons.mother, date: n.record.child.birthDate as string, sex: n.record.child.sex as string }));
  for (const b of births) {
    const card = b.mother === undefined ? undefined : cardOfWoman.get(b.mother);
    if (!card || !graced(b.date)) continue;
    if (!card.record.children.some((c) => c.sex === b.sex && near(c.birthDate, b.date))) keys.add(`birth-not-in-registry:${b.mother}|${b.date}|${b.sex}`);
  }
  // birth-not-notified
  const noticesOf = new Map<string, any[]>();
  for (const n of notices) noticesOf.set(n.truth.persons.mother, [...(noticesOf.get(n.truth.persons.mother) ?? []), n.record]);
  for (const card of cards) {
    for (const child of card.record.children) {
      if (!inYear(child.birthDate) || !graced(child.birthDate)) continue;
      const notified = (noticesOf.get(card.truth.persons.woman) ?? []).some((n) => n.child.sex === child.sex && near(n.child.birthDate, child.birthDate));
      if (!notified) keys.add(`birth-not-notified:${card.record.cardId}|${child.birthDate}|${child.sex}`);
    }
  }
  // birth-order-conflict
  for (const n of notices) {
    const card = cardOfWoman.get(n.truth.persons.mother);
    if (!card) continue;
    const matches = card.record.children.filter((c) => c.sex === n.record.child.sex && near(c.birthDate, n.record.child.birthDate));
    matches.sort((a, b) => Math.abs(day(a.birthDate) - day(n.record.child.birthDate)) - Math.abs(day(b.birthDate) - day(n.record.child.birthDate)));
    if (matches.length > 0 && matches[0].birthOrder !== n.record.birthOrder) keys.add(`birth-order-conflict:${n.truth.persons.mother}|${n.record.child.birthDate}|${n.record.child.sex}`);
  }
  // marital-status-conflict
  for (const card of cards) {
    const hers = marriages.filter((m) => m.truth.persons.partyA === card.truth.persons.woman || m.truth.persons.partyB === card.truth.persons.woman);
    if (hers.length === 0) continue;
    const latest = hers.reduce((a, b) => (b.record.eventDate >= a.record.eventDate ? b : a));
    const says = latest.record.registrationType === 'marriage' ? 'married' : 'divorced';
    if (latest.record.eventDate > card.record.eventDate && says !== card.record.maritalStatus) keys.add(`marital-status-conflict:${card.record.cardId}`);
  }
  for (const h of hukou) {
    const person = h.truth.persons.person;
    const card = cardOfWoman.get(person);
    // moved-out-still-registered
    if (h.record.changeType === 'move-out' && card?.record.residenceStatus === 'resident') keys.add(`moved-out-still-registered:${card.record.cardId}`);
    // moved-in-not-registered
    if (h.record.changeType === 'move-in' && h.record.person.sex === 'F' && !card) {
      const [by, bm, bd] = (h.record.person.birthDate as string).split('-').map(Number);
      const [ey, em, ed] = (h.record.eventDate as string).split('-').map(Number);
      const age = ey - by - (em < bm || (em === bm && ed < bd) ? 1 : 0);
      if (age >= 15 && age <= 49) keys.add(`moved-in-not-registered:${person}`);
    }
    // death-not-reflected
    if (h.record.changeType === 'death') {
      for (const c of cards) {
        const p = c.truth.persons;
        const listedChild = Object.entries(p).some(([role, id]) => role.startsWith('children/') && id === person);
        if ((p.woman === person && c.record.residenceStatus !== 'deceased') || (p.husband === person && c.record.maritalStatus === 'married') || listedChild) {
          keys.add(`death-not-reflected:${c.record.cardId}|${person}`);
        }
      }
    }
  }
  // identity-conflict
  const statements = new Map<string, { name?: string; sex: string; birthDate: string }[]>();
  const state = (p: { citizenId?: string; name?: string; sex: string; birthDate: string } | undefined) => {
    if (p?.citizenId === undefined) return;
    const parsed = parseCitizenId(p.citizenId, { today: options.asOf });
    if (!parsed.ok) return;
    statements.set(parsed.value.id, [...(statements.get(parsed.value.id) ?? []), p]);
  };
  for (const list of [hukou, marriages, notices]) for (const { record } of list) for (const role of ['person', 'partyA', 'partyB', 'mother', 'father']) state(record[role]);
  for (const { record } of cards) [record.woman, record.husband, ...record.children].forEach(state);
  for (const [id, said] of statements) {
    if (new Set(said.filter((s) => s.name !== undefined).map((s) => normaliseName(s.name!))).size > 1) keys.add(`identity-conflict:${id}|name`);
    if (new Set(said.map((s) => s.sex)).size > 1) keys.add(`identity-conflict:${id}|sex`);
    if (new Set(said.map((s) => s.birthDate)).size > 1) keys.add(`identity-conflict:${id}|birthDate`);
  }
  return keys;
}
