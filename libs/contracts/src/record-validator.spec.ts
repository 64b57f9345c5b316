import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RECORD_KINDS, type RecordIssue, type RecordKind } from './record-kinds';
import { RecordValidator } from './record-validator';

// Example dates are before this day; pinning it keeps the examples valid forever.
const TODAY = '2025-06-30';
const SCHEMA_DIR = path.resolve(__dirname, '../../../schemas/exchange');
const EXAMPLES_DIR = path.join(SCHEMA_DIR, 'examples');

interface ExpectedIssue {
  path: string;
  code: string;
}
interface InvalidExample {
  record: unknown;
  expect: ExpectedIssue[];
  expectWarnings?: ExpectedIssue[];
}
interface WarnExample {
  record: unknown;
  expectWarnings: ExpectedIssue[];
}

function exampleFiles(kind: RecordKind, folder: 'valid' | 'invalid' | 'warn'): string[] {
  const dir = path.join(EXAMPLES_DIR, kind, folder);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => path.join(dir, file));
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/** Order-insensitive, and checks every issue has a message without pinning its wording. */
function summary(issues: readonly RecordIssue[]): string[] {
  for (const issue of issues) expect(issue.message).toMatch(/\S/);
  return issues.map((issue) => `${issue.path} ${issue.code}`).sort();
}

function expected(issues: readonly ExpectedIssue[] | undefined): string[] {
  return (issues ?? []).map((issue) => `${issue.path} ${issue.code}`).sort();
}

const validator = RecordValidator.create();

describe('RecordValidator examples', () => {
  describe.each(RECORD_KINDS)('%s', (kind) => {
    it('has at least 3 valid and 4 invalid examples', () => {
      expect(exampleFiles(kind, 'valid').length).toBeGreaterThanOrEqual(3);
      expect(exampleFiles(kind, 'invalid').length).toBeGreaterThanOrEqual(4);
    });

    describe('valid', () => {
      it.each(exampleFiles(kind, 'valid').map((file) => [path.basename(file), file]))('%s', (_name, file) => {
        const result = validator.check(kind, readJson(file), { today: TODAY });
        expect(summary(result.errors)).toEqual([]);
        expect(summary(result.warnings)).toEqual([]);
      });
    });

    const invalid = exampleFiles(kind, 'invalid');
    if (invalid.length > 0) {
      describe('invalid', () => {
        it.each(invalid.map((file) => [path.basename(file), file]))('%s', (_name, file) => {
          const example = readJson<InvalidExample>(file);
          const result = validator.check(kind, example.record, { today: TODAY });
          expect(summary(result.errors)).toEqual(expected(example.expect));
          expect(summary(result.warnings)).toEqual(expected(example.expectWarnings));
        });
      });
    }

    const warn = exampleFiles(kind, 'warn');
    if (warn.length > 0) {
      describe('warn (accepted with warnings)', () => {
        it.each(warn.map((file) => [path.basename(file), file]))('%s', (_name, file) => {
          const example = readJson<WarnExample>(file);
          const result = validator.check(kind, example.record, { today: TODAY });
          expect(summary(result.errors)).toEqual([]);
          expect(summary(result.warnings)).toEqual(expected(example.expectWarnings));
        });
      });
    }
  });

  it('has warn examples for birth notices', () => {
    expect(exampleFiles('birth-notice', 'warn').length).toBeGreaterThan(0);
  });
});

describe('RecordValidator', () => {
  const validExample = (kind: RecordKind, name: string): Record<string, any> =>
    readJson(path.join(EXAMPLES_DIR, kind, 'valid', `${name}.json`));

  describe('messages', () => {
    it('lists the allowed values of an enum', () => {
      const record = { ...validExample('hukou-change', 'death'), changeType: 'transfer' };
      expect(validator.check('hukou-change', record, { today: TODAY }).errors).toEqual([
        {
          path: '/changeType',
          code: 'enum',
          message: 'must be one of: birth-registration, move-in, move-out, death, update',
        },
      ]);
    });

    it('names the expected check digit', () => {
      const record = validExample('hukou-change', 'death');
      const id: string = record.person.citizenId;
      const wrongDigit = id[17] === '0' ? '1' : '0';
      record.person.citizenId = id.slice(0, 17) + wrongDigit;
      expect(validator.check('hukou-change', record, { today: TODAY }).errors).toEqual([
        { path: '/person/citizenId', code: 'citizen-id-checksum', message: `check digit should be ${id[17]}` },
      ]);
    });

    it('suggests the field a misspelt one probably meant', () => {
      const record = validExample('hukou-change', 'death');
      record.person.citizenID = record.person.citizenId;
      delete record.person.citizenId;
      const { errors } = validator.check('hukou-change', record, { today: TODAY });
      expect(errors).toContainEqual({
        path: '/person/citizenID',
        code: 'unknown-field',
        message: 'unknown field "citizenID"; did you mean "citizenId"?',
      });
      expect(errors).toContainEqual(expect.objectContaining({ path: '/person/citizenId', code: 'required' }));
    });

    it('escapes unknown field names in the JSON Pointer', () => {
      const record = { ...validExample('hukou-change', 'death'), 'a/b~c': 1 };
      expect(validator.check('hukou-change', record, { today: TODAY }).errors).toEqual([
        expect.objectContaining({ path: '/a~1b~0c', code: 'unknown-field' }),
      ]);
    });

    it('rejects a record that is not an object at the root', () => {
      expect(validator.check('birth-notice', ['not', 'a', 'record']).errors).toEqual([
        { path: '', code: 'type', message: 'must be an object' },
      ]);
    });
  });

  describe('normalisation of names and citizen ids', () => {
    it('checks the normal form, names the value used, and leaves the record sent as it was', () => {
      const record = validExample('birth-notice', 'first-child');
      record.mother.name = ' 张\u3000秀英';
      const result = validator.check('birth-notice', record, { today: TODAY });
      expect(result).toEqual({ errors: [], warnings: [{ path: '/mother/name', code: 'normalised', message: expect.stringContaining('张秀英'), value: '张秀英' }] });
      expect(record.mother.name).toBe(' 张\u3000秀英');
    });

    it('still refuses what the plain-text rule refuses: a line break or tab in a name, whitespace around a recordId', () => {
      const record = validExample('hukou-change', 'death');
      record.person.name = `${record.person.name}\n`;
      record.recordId = ` ${record.recordId}`;
      const result = validator.check('hukou-change', record, { today: TODAY });
      expect(summary(result.errors)).toEqual(['/person/name control-character', '/recordId surrounding-whitespace']);
      record.person.name = `\t${record.person.name.trim()}`;
      expect(summary(validator.check('hukou-change', record, { today: TODAY }).errors)).toContain('/person/name control-character');
    });

    it('rejects, with the path, what does not fit after normalising', () => {
      const record = validExample('marriage-record', 'marriage');
      record.partyB.name = ' 何 静 2 ';
      record.partyB.citizenId = '５１１３２５';
      const result = validator.check('marriage-record', record, { today: TODAY });
      expect(summary(result.errors)).toEqual(['/partyB/citizenId citizen-id-length', '/partyB/name pattern']);
    });

    it('coerces a CSV record in place and checks its normal form', () => {
      const record = validExample('registry-card', 'married-two-children');
      record.version = '3';
      record.woman.name = `${record.woman.name} `;
      const result = validator.check('registry-card', record, { coerce: true, today: TODAY });
      expect(result.errors).toEqual([]);
      expect(summary(result.warnings)).toEqual(['/woman/name normalised']);
      expect(record.version).toBe(3);
      expect(record.woman.name).toMatch(/ $/);
    });
  });

  describe('coercion of CSV strings', () => {
    const csvCard = () => {
      const record = validExample('registry-card', 'married-two-children');
      record.version = '3';
      record.children[1].birthOrder = '2';
      record.children[1].policyCompliant = 'true';
      return record;
    };

    it('accepts numbers and booleans written as strings when coercing, and converts them in place', () => {
      const record = csvCard();
      expect(validator.check('registry-card', record, { coerce: true, today: TODAY })).toEqual({ errors: [], warnings: [] });
      expect(record.version).toBe(3);
      expect(record.children[1]).toMatchObject({ birthOrder: 2, policyCompliant: true });
    });

    it('rejects them without coercion', () => {
      expect(summary(validator.check('registry-card', csvCard(), { today: TODAY }).errors)).toEqual([
        '/children/1/birthOrder type',
        '/children/1/policyCompliant type',
        '/version type',
      ]);
    });

    it('still rejects strings that are not numbers or booleans', () => {
      const record = validExample('birth-notice', 'first-child');
      record.birthOrder = 'second';
      expect(summary(validator.check('birth-notice', record, { coerce: true, today: TODAY }).errors)).toEqual([
        '/birthOrder type',
      ]);
      record.birthOrder = '2';
      expect(validator.check('birth-notice', record, { coerce: true, today: TODAY }).errors).toEqual([]);
      expect(record.birthOrder).toBe(2);
    });
  });

  describe('dates in the future', () => {
    const onDate = (eventDate: string) => ({ ...validExample('hukou-change', 'death'), eventDate });

    it('allows one day of grace for time zones', () => {
      expect(validator.check('hukou-change', onDate('2025-07-01'), { today: TODAY }).errors).toEqual([]);
      expect(summary(validator.check('hukou-change', onDate('2025-07-02'), { today: TODAY }).errors)).toEqual([
        '/eventDate date-in-future',
      ]);
    });

    it('uses the current date when today is not given', () => {
      const now = new Date().toISOString().slice(0, 10);
      expect(validator.check('hukou-change', onDate(now)).errors).toEqual([]);
      expect(summary(validator.check('hukou-change', onDate('2999-01-01')).errors)).toEqual(['/eventDate date-in-future']);
    });

    it('refuses a malformed today', () => {
      expect(() => validator.check('hukou-change', onDate('2025-01-01'), { today: '30/06/2025' })).toThrow(RangeError);
    });
  });

  describe('schemas', () => {
    const schemaFiles = fs.readdirSync(SCHEMA_DIR).filter((file) => file.endsWith('.schema.json'));

    it('has one schema per record kind, plus common', () => {
      expect(schemaFiles.sort()).toEqual([...RECORD_KINDS, 'common'].map((name) => `${name}.schema.json`).sort());
    });

    const common = readJson<Record<string, any>>(path.join(SCHEMA_DIR, 'common.schema.json'));
    const referencedDescription = (schema: Record<string, any>, ref: string): string | undefined => {
      const match = /^(common\.schema\.json)?#\/\$defs\/([\w-]+)$/.exec(ref);
      if (!match) return undefined;
      return (match[1] ? common : schema).$defs?.[match[2]]?.description;
    };

    it.each(schemaFiles)('%s has a stable $id named after its file, and a description on every property', (file) => {
      const schema = readJson<Record<string, any>>(path.join(SCHEMA_DIR, file));
      expect(schema.$id).toBe(`https://schemas.sanxian-hub.cn/exchange/v1/${file}`);
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      const undocumented: string[] = [];
      const visit = (node: unknown, at: string): void => {
        if (typeof node !== 'object' || node === null) return;
        const properties = (node as { properties?: Record<string, unknown> }).properties;
        for (const [name, property] of Object.entries(properties ?? {})) {
          const own = (property as { description?: string; $ref?: string }).description;
          const ref = (property as { $ref?: string }).$ref;
          if (!own && !(ref && referencedDescription(schema, ref))) undocumented.push(`${at}/${name}`);
        }
        for (const [key, child] of Object.entries(node)) visit(child, `${at}/${key}`);
      };
      visit(schema, '');
      expect(undocumented).toEqual([]);
    });

    it('loads from an explicit schema directory', () => {
      const explicit = RecordValidator.create({ schemaDir: SCHEMA_DIR });
      expect(explicit.check('marriage-record', validExample('marriage-record', 'divorce'), { today: TODAY }).errors).toEqual([]);
    });

    it('fails at creation when a record kind has no schema', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'schemas-'));
      try {
        fs.copyFileSync(path.join(SCHEMA_DIR, 'common.schema.json'), path.join(dir, 'common.schema.json'));
        expect(() => RecordValidator.create({ schemaDir: dir })).toThrow(/hukou-change\.schema\.json/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});

describe('plain text: what the store cannot hold and what becomes an attack elsewhere', () => {
  const validator = RecordValidator.create({ schemaDir: SCHEMA_DIR });
  const valid = (): Record<string, any> => readJson<Record<string, any>>(exampleFiles('hukou-change', 'valid')[0]);
  const issuesOf = (record: unknown, kind: RecordKind = 'hukou-change') => validator.check(kind, record, { today: TODAY }).errors.map(({ path, code }) => ({ path, code }));

  it.each([
    ['recordId', 'a\u0000b', 'control-character'],
    ['recordId', '\udfff', 'unpaired-surrogate'],
    ['recordId', 'HK-1\n', 'control-character'],
    ['recordId', 'HK-1 ', 'surrounding-whitespace'],
    ['recordId', '\u3000HK-1', 'surrounding-whitespace'],
    ['recordId', 'HK\u202E1', 'bidi-control'],
    ['recordId', 'HK\u2066-1', 'bidi-control'],
    ['recordId', 'HK\u200F1', 'bidi-control'],
    ['recordId', 'HK\u0085-1', 'control-character'],
    ['householdId', '\u0000', 'control-character'],
    ['householdId', 'H\ud800', 'unpaired-surrogate'],
    ['householdId', 'H\u2028', 'control-character'],
  ])('%s %j is refused as %s', (field, value, code) => {
    expect(issuesOf({ ...valid(), [field]: value })).toEqual([{ path: `/${field}`, code }]);
  });

  it.each([
    ['name', '王\u0000芳', 'control-character'],
    ['name', '王\u202E芳', 'bidi-control'],
    ['citizenId', '51132519900101001\u0000', 'control-character'],
  ])('person.%s %j is refused as %s', (field, value, code) => {
    const record = valid();
    record.person[field] = value;
    expect(issuesOf(record)).toEqual([{ path: `/person/${field}`, code }]);
  });

  it('refuses a control character in an organisation name, with the field path', () => {
    expect(issuesOf({ ...valid(), policeStation: { code: 'PS\u0007', name: '晋城派出所\ud83d' } })).toEqual([
      { path: '/policeStation/code', code: 'control-character' },
      { path: '/policeStation/name', code: 'unpaired-surrogate' },
    ]);
  });

  it('still accepts characters outside the Basic Multilingual Plane (a surrogate pair) and inner spaces in ids', () => {
    expect(issuesOf({ ...valid(), recordId: 'HK 2024/𠀀-1', householdId: '户 𠀀' })).toEqual([]);
  });

  it('names an unknown field with characters the store cannot hold by a printable stand-in, cut to 64 characters', () => {
    const issues = validator.check('hukou-change', { ...valid(), ['\u0000x\udfff']: 1, ['y'.repeat(100)]: 2 }, { today: TODAY }).errors;
    expect(issues.map((issue) => issue.path)).toEqual(['/\ufffdx\ufffd', `/${'y'.repeat(64)}…`]);
    for (const issue of issues) expect(JSON.stringify(issue)).not.toMatch(/\\u0000|\\ud[89a-f]/i);
  });

  it('lists at most 20 issues for a record with 100,000 unknown fields, without comparing each with every other', () => {
    const record = valid();
    for (let i = 0; i < 100_000; i++) record[`x${i}`] = i;
    const errors = validator.check('hukou-change', record, { today: TODAY }).errors;
    expect(errors).toHaveLength(21);
    expect(errors[20].code).toBe('too-many-issues');
  });
});
