/**
 * Issue 19: a record whose names or citizen ids are written the way field systems write them is
 * accepted with a `normalised` warning, maps to the same facts as the clean record, and links to
 * the same registry person. Real validator, real fact mapper, real linkage; fast-check writes the forms.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { RECORD_KINDS, RecordValidator, type RecordIssue, type RecordKind } from '@sanxian/contracts';
import { buildLinkageIndex, checkCharacter, linkPerson, type RegistryPerson } from '@sanxian/domain';
import type { FactRow } from '@sanxian/persistence';
import { toFacts, type FactSource } from './fact-mapper';

const TODAY = '2025-06-30';
const EXAMPLES_DIR = path.resolve(__dirname, '../../../schemas/exchange/examples');
const SOURCE: FactSource = { id: 'message-1', clientId: 'client-1', receivedAt: '2025-06-30 09:00:00+08' };
const validator = RecordValidator.create();

type Json = Record<string, any>;
type Field = 'name' | 'citizenId';

const SPACE = fc.constantFrom(' ', '\u3000', '\u00A0');
const SPACES = fc.array(SPACE, { minLength: 1, maxLength: 3 }).map((run) => run.join(''));
const DOT_VARIANT = fc.constantFrom('\u2022', '\u30FB', '\u2027', '\uFF65');
const HAN_PART = fc.array(fc.constantFrom(...'阿依古丽买买提热合曼艾力努尔'), { minLength: 2, maxLength: 4 }).map((chars) => chars.join(''));
const ACCENTED_NAME = fc.constantFrom('José García', 'Zoë Müller', 'Renée Dubois', 'Ngô Bảo Châu');
const ID_SEPARATOR = fc.constantFrom(' ', '-', '\u3000');

/** A field form: from the clean record's value, the clean value the form starts from (or the same) and its rewritten form. */
interface FieldForm {
  field: Field;
  /** A clean value that can show the form (e.g. a name with a middle dot), or undefined to keep the record's own. */
  cleanValue?: fc.Arbitrary<string>;
  rewrite: (clean: string) => fc.Arbitrary<string>;
}

function insertAt(text: string, inserts: [number, string][]): string {
  let out = text;
  for (const [at, what] of [...inserts].sort((a, b) => b[0] - a[0])) out = out.slice(0, at) + what + out.slice(at);
  return out;
}

const FORMS: Readonly<Record<string, FieldForm>> = {
  'name with surrounding spaces': {
    field: 'name',
    rewrite: (clean) => fc.tuple(fc.option(SPACES, { nil: '' }), fc.option(SPACES, { nil: '' })).filter(([a, b]) => a + b !== '').map(([a, b]) => a + clean + b),
  },
  'name with a space or U+3000 between surname and given name': {
    field: 'name',
    rewrite: (clean) => fc.tuple(fc.integer({ min: 1, max: clean.length - 1 }), SPACES).map(([at, run]) => insertAt(clean, [[at, run]])),
  },
  'name with a middle-dot variant': {
    field: 'name',
    cleanValue: fc.tuple(HAN_PART, HAN_PART).map(([a, b]) => `${a}·${b}`),
    rewrite: (clean) => fc.tuple(DOT_VARIANT, fc.option(SPACE, { nil: '' })).map(([dot, space]) => clean.replace('·', space + dot + space)),
  },
  'name decomposed, with repeated spaces': {
    field: 'name',
    cleanValue: ACCENTED_NAME,
    rewrite: (clean) => fc.constantFrom(' ', '  ', '\u3000 ').map((gap) => clean.normalize('NFD').replaceAll(' ', gap)),
  },
  'citizen id with full-width digits': {
    field: 'citizenId',
    rewrite: (clean) =>
      fc.array(fc.boolean(), { minLength: clean.length, maxLength: clean.length }).filter((mask) => mask.some(Boolean)).map((mask) =>
        [...clean].map((c, i) => (mask[i] ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)).join(''),
      ),
  },
  'citizen id with a lower-case x': {
    field: 'citizenId',
    cleanValue: undefined, // the record's id is swapped for one with the check character X (see cleanRecordFor)
    rewrite: (clean) => fc.constant(clean.replace('X', 'x')),
  },
  'citizen id with spaces and hyphens': {
    field: 'citizenId',
    rewrite: (clean) =>
      fc.array(fc.tuple(fc.integer({ min: 1, max: clean.length - 1 }), ID_SEPARATOR), { minLength: 1, maxLength: 3 }).map((inserts) => insertAt(clean, inserts)),
  },
};

/** An id of the same region, birth date and sex whose check character is X. */
function idEndingInX(id: string): string {
  const male = Number(id[16]) % 2 === 1;
  for (let serial = 0; serial < 1000; serial++) {
    if (serial % 2 === 1 !== male) continue;
    const first17 = id.slice(0, 14) + String(serial).padStart(3, '0');
    if (checkCharacter(first17) === 'X') return `${first17}X`;
  }
  throw new Error(`no X id for ${id}`);
}

function validExamples(kind: RecordKind): Json[] {
  const dir = path.join(EXAMPLES_DIR, kind, 'valid');
  return fs.readdirSync(dir).sort().map((file) => JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Json);
}

/** JSON Pointers of the person objects of a record. */
function personPaths(record: Json): string[] {
  const paths = ['person', 'partyA', 'partyB', 'child', 'mother', 'father', 'woman', 'husband'].filter((key) => record[key]).map((key) => `/${key}`);
  (record.children ?? []).forEach((_: unknown, i: number) => paths.push(`/children/${i}`));
  return paths;
}

function personAt(record: Json, pointer: string): Json {
  return pointer.split('/').slice(1).reduce((node: Json, key) => node[key], record);
}

/** Every (kind, person field) of the examples, with the first example that has it as an 18-character id or a name. */
function fieldCases(): [RecordKind, string, Json][] {
  const cases: [RecordKind, string, Json][] = [];
  for (const kind of RECORD_KINDS) {
    const seen = new Set<string>();
    for (const record of validExamples(kind)) {
      for (const at of personPaths(record)) {
        const person = personAt(record, at);
        for (const field of ['name', 'citizenId'] as const) {
          const value = person[field];
          if (typeof value !== 'string' || seen.has(`${at}/${field}`) || (field === 'citizenId' && value.length !== 18)) continue;
          seen.add(`${at}/${field}`);
          cases.push([kind, `${at}/${field}`, record]);
        }
      }
    }
  }
  return cases;
}

function withValue(record: Json, pointer: string, value: string): Json {
  const copy = structuredClone(record);
  const keys = pointer.split('/').slice(1);
  const field = keys.pop()!;
  personAt(copy, `/${keys.join('/')}`)[field] = value;
  return copy;
}

function summary(issues: readonly RecordIssue[]): string[] {
  return issues.map((issue) => `${issue.path} ${issue.code}${issue.value === undefined ? '' : ` ${issue.value}`}`).sort();
}

/** The registry: the clean record's persons, each beside a namesake born elsewhere and earlier. */
function registryOf(facts: readonly FactRow[]): RegistryPerson[] {
  return facts.flatMap((fact, i) => [
    { ...linkageView(fact), personId: `P${i}` },
    { name: fact.name ?? undefined, birthDate: '1950-01-01', sex: fact.sex ?? undefined, regionCode: '511325106001', personId: `N${i}` },
  ]);
}

function linkageView(fact: FactRow): Omit<RegistryPerson, 'personId'> {
  const hukou = (fact.detail as Json | null)?.hukouRegionCode;
  return {
    citizenId: fact.citizenId ?? undefined,
    name: fact.name ?? undefined,
    birthDate: fact.birthDate ?? undefined,
    sex: fact.sex ?? undefined,
    regionCode: typeof hukou === 'string' ? hukou : fact.regionCode,
  };
}

describe.each(fieldCases())('%s %s', (kind, pointer, example) => {
  const field = pointer.endsWith('/name') ? 'name' : 'citizenId';
  const forms = Object.entries(FORMS).filter(([, form]) => form.field === field);

  it.each(forms)('%s: accepted with a normalised warning, same facts, same link', (_form, form) => {
    const originalValue = personAt(example, pointer.slice(0, pointer.lastIndexOf('/')))[field] as string;
    const cleanValues =
      form.cleanValue ?? fc.constant(_form === 'citizen id with a lower-case x' ? idEndingInX(originalValue) : originalValue);
    const cases = cleanValues.chain((clean) => form.rewrite(clean).map((sent) => [clean, sent] as const));

    fc.assert(
      fc.property(cases, ([cleanValue, sentValue]) => {
        const clean = withValue(example, pointer, cleanValue);
        const sent = withValue(example, pointer, sentValue);
        const cleanCheck = validator.check(kind, clean, { today: TODAY });
        expect(cleanCheck).toEqual({ errors: [], warnings: [] });

        const sentCheck = validator.check(kind, sent, { today: TODAY });
        expect(sentCheck.errors).toEqual([]);
        expect(summary(sentCheck.warnings)).toEqual([`${pointer} normalised ${cleanValue}`]);

        const cleanFacts = toFacts(kind, clean, SOURCE);
        const sentFacts = toFacts(kind, sent, SOURCE);
        expect(sentFacts).toEqual(cleanFacts);

        const index = buildLinkageIndex(registryOf(cleanFacts));
        for (let i = 0; i < cleanFacts.length; i++) {
          const cleanLink = linkPerson(linkageView(cleanFacts[i]), index);
          const sentLink = linkPerson(linkageView(sentFacts[i]), index);
          expect({ decision: sentLink.decision, personId: sentLink.personId }).toEqual({ decision: cleanLink.decision, personId: cleanLink.personId });
        }
      }),
      { numRuns: 25 },
    );
  });
});

it('covers every record kind, and names and citizen ids', () => {
  const cases = fieldCases();
  expect(new Set(cases.map(([kind]) => kind))).toEqual(new Set(RECORD_KINDS));
  expect(cases.some(([, pointer]) => pointer.endsWith('/citizenId'))).toBe(true);
  expect(cases.some(([, pointer]) => pointer.endsWith('/name'))).toBe(true);
});
