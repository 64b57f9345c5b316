import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { isRegionCode, normaliseRecordFields, parseCitizenId } from '@sanxian/domain';
import { RECORD_KINDS, type RecordIssue, type RecordKind } from './record-kinds';
import { schemaRoot } from './schema-root';

/** Errors reject the record; warnings (same shape) are stored with an accepted record. */
export interface RecordCheck {
  errors: RecordIssue[];
  warnings: RecordIssue[];
}

export interface RecordCheckOptions {
  /**
   * For CSV input, where every value is a string: "2" becomes 2 and "true" becomes true
   * where the schema asks for them. The record is coerced in place, so store the record
   * that was checked, not a copy taken before.
   */
  coerce?: boolean;
  /** `YYYY-MM-DD`; pins the clock (tests, replays). Defaults to the current UTC date. */
  today?: string;
}

const SCHEMA_BASE = 'https://schemas.sanxian-hub.cn/exchange/v1/';
const DAY_MS = 86_400_000;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

type Validators = Readonly<Record<RecordKind, ValidateFunction>>;
type Levels = readonly ('county' | 'township' | 'village')[];
type JsonObject = Record<string, unknown>;

/**
 * Checks records of exchange contract v1: the JSON Schemas in `schemas/exchange/` first,
 * then what a schema cannot say (citizen-id check digits, region codes, dates in the future).
 * Create one at start-up and share it: schemas are compiled once, and `check` allocates no
 * validators, since it runs for every record of a 100,000-record batch file.
 */
export class RecordValidator {
  private cachedToday: string | undefined;
  private cachedLimit = '';
  private clockLimit = '';
  private clockLimitExpires = 0;

  private constructor(
    private readonly strict: Validators,
    private readonly coercing: Validators,
  ) {}

  static schemaId(kind: RecordKind | 'common'): string {
    return `${SCHEMA_BASE}${kind}.schema.json`;
  }

  static create(options: { schemaDir?: string } = {}): RecordValidator {
    const schemaDir = options.schemaDir ?? path.join(schemaRoot(), 'exchange');
    const schemas = fs
      .readdirSync(schemaDir)
      .filter((file) => file.endsWith('.schema.json'))
      .sort()
      .map((file) => JSON.parse(fs.readFileSync(path.join(schemaDir, file), 'utf8')) as object);
    // coerceTypes is an instance option, hence a second instance over the same parsed schemas.
    return new RecordValidator(compile(schemas, false), compile(schemas, true));
  }

  /**
   * Checks the record in its normal form (names and citizen ids as `normaliseRecordFields` rewrites them),
   * with a `normalised` warning per rewritten field. The record passed in is not rewritten: it is what the log keeps.
   */
  check(kind: RecordKind, input: unknown, options?: RecordCheckOptions): RecordCheck {
    const validate = (options?.coerce ? this.coercing : this.strict)[kind];
    const errors: RecordIssue[] = [];
    const warnings: RecordIssue[] = [];
    let { record, normalisations } = normaliseRecordFields(kind, input);
    if (record !== input) {
      // The rare case. CSV values are coerced in place into the record the caller stores, so coerce it first
      // (its verdict is not wanted), then take the normal form of the coerced record.
      if (options?.coerce) {
        validate(input);
        ({ record, normalisations } = normaliseRecordFields(kind, input));
      }
      for (const { path: at, value } of normalisations) {
        warnings.push({ path: at, code: 'normalised', message: `read in its normal form: ${JSON.stringify(value)}`, value });
      }
    }
    let schemaPaths: string[] | undefined;
    if (!validate(record)) {
      schemaPaths = collectSchemaIssues(validate.errors ?? [], errors);
    }
    // The semantic checks run even when the schema failed, skipping fields the schema already
    // faulted, so that a sender sees every problem of a record at once.
    const ctx: SemanticContext = { errors, warnings, schemaPaths, limit: this.dateLimit(options?.today) };
    if (isObject(record)) SEMANTIC_CHECKS[kind](ctx, record);
    return { errors, warnings };
  }

  /** The latest acceptable date: today plus one day of grace for senders in other time zones. */
  private dateLimit(today: string | undefined): string {
    if (today !== undefined) {
      if (today !== this.cachedToday) {
        if (!ISO_DATE.test(today) || Number.isNaN(Date.parse(today))) {
          throw new RangeError(`today must be YYYY-MM-DD, got "${today}"`);
        }
        this.cachedLimit = isoDate(Date.parse(today) + DAY_MS);
        this.cachedToday = today;
      }
      return this.cachedLimit;
    }
    const now = Date.now();
    if (now >= this.clockLimitExpires) {
      const midnight = now - (now % DAY_MS);
      this.clockLimit = isoDate(midnight + DAY_MS);
      this.clockLimitExpires = midnight + DAY_MS;
    }
    return this.clockLimit;
  }
}

function compile(schemas: readonly object[], coerceTypes: boolean): Validators {
  const ajv = new Ajv2020({ allErrors: true, coerceTypes, strict: true, verbose: true });
  addFormats(ajv, ['date', 'date-time']);
  for (const schema of schemas) ajv.addSchema(schema);
  const validators = {} as Record<RecordKind, ValidateFunction>;
  for (const kind of RECORD_KINDS) {
    const validate = ajv.getSchema(RecordValidator.schemaId(kind));
    if (!validate) throw new Error(`no schema with $id ${RecordValidator.schemaId(kind)}`);
    validators[kind] = validate;
  }
  return validators;
}

// ---------------------------------------------------------------------------------------------
// Schema errors → issues

/**
 * A record lists at most this many issues: a record with 100,000 unknown fields is refused just as well
 * with the first of them, and its answer stays small.
 */
export const MAX_ISSUES_PER_RECORD = 20;

/** Appends one issue per offending field (the first ajv reports), at most MAX_ISSUES_PER_RECORD, and returns their paths. */
function collectSchemaIssues(ajvErrors: readonly ErrorObject[], out: RecordIssue[]): string[] {
  const paths = new Set<string>();
  for (const error of ajvErrors) {
    if (paths.size === MAX_ISSUES_PER_RECORD) {
      out.push({ path: '', code: 'too-many-issues', message: `more than ${MAX_ISSUES_PER_RECORD} fields are faulty; only the first ${MAX_ISSUES_PER_RECORD} are listed` });
      break;
    }
    const issue = toIssue(error);
    if (paths.has(issue.path)) continue;
    paths.add(issue.path);
    out.push(issue);
  }
  return [...paths];
}

function toIssue(error: ErrorObject): RecordIssue {
  const at = error.instancePath;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required': {
      const name = printable(String(params.missingProperty));
      return { path: `${at}/${escapePointer(name)}`, code: 'required', message: `required field "${name}" is missing` };
    }
    case 'additionalProperties': {
      const name = printable(String(params.additionalProperty));
      const known = Object.keys((error.parentSchema?.properties as JsonObject | undefined) ?? {});
      const guess = closest(name, known);
      const hint = guess ? `; did you mean "${guess}"?` : '';
      return { path: `${at}/${escapePointer(name)}`, code: 'unknown-field', message: `unknown field "${name}"${hint}` };
    }
    case 'type': {
      const type = String(params.type);
      return { path: at, code: 'type', message: `must be ${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}` };
    }
    case 'enum':
      return { path: at, code: 'enum', message: `must be one of: ${(params.allowedValues as unknown[]).join(', ')}` };
    case 'format':
      return { path: at, code: 'format', message: FORMAT_MESSAGES[String(params.format)] ?? `must be a valid ${String(params.format)}` };
    case 'pattern': {
      const pattern = String(params.pattern);
      if (pattern === PLAIN_TEXT_PATTERN || pattern === NO_SURROUNDING_SPACE_PATTERN) return plainTextIssue(at, error.data);
      return { path: at, code: 'pattern', message: PATTERN_MESSAGES[pattern] ?? `must match the pattern ${pattern}` };
    }
    case 'minLength':
      return {
        path: at,
        code: 'too-short',
        message: params.limit === 1 ? 'must not be empty' : `must be at least ${String(params.limit)} characters long`,
      };
    case 'maxLength':
      return { path: at, code: 'too-long', message: `must be at most ${String(params.limit)} characters long` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path: at, code: 'out-of-range', message: `must be ${String(params.comparison)} ${String(params.limit)}` };
    case 'minItems':
      return { path: at, code: 'too-few-items', message: `must have at least ${String(params.limit)} items` };
    case 'maxItems':
      return { path: at, code: 'too-many-items', message: `must have at most ${String(params.limit)} items` };
    default:
      return { path: at, code: 'invalid', message: error.message ?? 'is invalid' };
  }
}

const FORMAT_MESSAGES: Readonly<Record<string, string>> = {
  date: 'must be a real date written YYYY-MM-DD',
  'date-time': 'must be an RFC 3339 date-time with a time zone, e.g. 2024-03-05T09:30:00+08:00',
};

// Keyed by the patterns of schemas/exchange; an edited pattern falls back to quoting itself.
const PATTERN_MESSAGES: Readonly<Record<string, string>> = {
  '^(?:[0-9]{12}|[0-9]{9})$': 'must be a 12-digit village or 9-digit township code',
  '^[0-9]{12}$': 'must be a 12-digit village code',
  '^(?:[0-9]{12}|[0-9]{6})$': 'must be a 12-digit village code, or a 6-digit county code outside the province',
  '^[A-Z][0-9]{9}$': 'must be one capital letter followed by 9 digits',
};

// The plain-text rule of common.schema.json (plainText, recordId): what the store cannot hold (NUL, unpaired
// surrogates) and what turns into an attack where the value is shown or exported (line breaks, bidi overrides).
const PLAIN_TEXT_PATTERN = '^[^\\p{Cc}\\p{Cs}\\u061C\\u200E\\u200F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069]*$';
const NO_SURROUNDING_SPACE_PATTERN = '^\\S(?:.*\\S)?$';
const CONTROL = /[\p{Cc}\u2028\u2029]/u;
const UNPAIRED_SURROGATE = /\p{Cs}/u;
const BIDI_CONTROL = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

function codePoint(text: string, at: number): string {
  return `U+${text.codePointAt(at)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The issue of a value that breaks the plain-text rule, naming the first offending character and where it is. */
function plainTextIssue(path: string, data: unknown): RecordIssue {
  const text = typeof data === 'string' ? data : '';
  for (const [code, what, pattern] of [
    ['unpaired-surrogate', 'an unpaired surrogate (not a character)', UNPAIRED_SURROGATE],
    ['control-character', 'a control character or line break', CONTROL],
    ['bidi-control', 'a bidirectional control character', BIDI_CONTROL],
  ] as const) {
    const found = pattern.exec(text);
    if (found) return { path, code, message: `must not contain ${what}: ${codePoint(text, found.index)} at position ${found.index + 1}` };
  }
  return { path, code: 'surrounding-whitespace', message: 'must not start or end with whitespace' };
}

/**
 * A field name the sender made up, as an issue can carry it: the issue is echoed and stored (jsonb, which
 * holds neither NUL nor unpaired surrogates), so characters outside plain text become U+FFFD, and a name
 * longer than 64 characters is cut.
 */
function printable(name: string): string {
  const shown = name.replace(NOT_PLAIN_TEXT, '\uFFFD');
  return shown.length > 64 ? `${shown.slice(0, 64)}…` : shown;
}
const NOT_PLAIN_TEXT = /[\p{Cc}\p{Cs}\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/gu;

function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** A known field a misspelt one probably meant: same letters ignoring case, or at most 2 edits away. */
function closest(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = candidate.toLowerCase() === lower ? 0 : editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

// ---------------------------------------------------------------------------------------------
// Semantic checks: what the schemas cannot express

interface SemanticContext {
  errors: RecordIssue[];
  warnings: RecordIssue[];
  /** Paths the schema already faulted; undefined when the schema passed. */
  schemaPaths: readonly string[] | undefined;
  /** Latest acceptable date, YYYY-MM-DD. */
  limit: string;
}

const VILLAGE_OR_TOWNSHIP: Levels = ['village', 'township'];
const VILLAGE: Levels = ['village'];
const VILLAGE_OR_COUNTY: Levels = ['village', 'county'];

const SEMANTIC_CHECKS: Readonly<Record<RecordKind, (ctx: SemanticContext, record: JsonObject) => void>> = {
  'hukou-change': (ctx, record) => {
    checkEnvelope(ctx, record, VILLAGE_OR_TOWNSHIP);
    // The police are the authority for the subject's id.
    checkPerson(ctx, record, 'person', 'error');
    checkRegionCode(ctx, record.fromRegionCode, '/fromRegionCode', VILLAGE_OR_COUNTY);
    checkRegionCode(ctx, record.toRegionCode, '/toRegionCode', VILLAGE_OR_COUNTY);
  },
  'marriage-record': (ctx, record) => {
    checkEnvelope(ctx, record, VILLAGE_OR_TOWNSHIP);
    // Civil affairs check the parties' ids at registration.
    checkPerson(ctx, record, 'partyA', 'error');
    checkPerson(ctx, record, 'partyB', 'error');
  },
  'birth-notice': (ctx, record) => {
    checkEnvelope(ctx, record, VILLAGE_OR_TOWNSHIP);
    const child = record.child;
    if (isObject(child)) checkNotFuture(ctx, child.birthDate, '/child/birthDate');
    // Parents' ids are typed at a hospital: a typing error must never lose a birth.
    checkPerson(ctx, record, 'mother', 'warning');
    checkPerson(ctx, record, 'father', 'warning');
  },
  'registry-card': (ctx, record) => {
    checkEnvelope(ctx, record, VILLAGE);
    checkPerson(ctx, record, 'woman', 'error');
    checkNotFuture(ctx, record.marriageDate, '/marriageDate');
    checkPerson(ctx, record, 'husband', 'warning');
    const children = record.children;
    if (Array.isArray(children)) {
      for (let i = 0; i < children.length; i++) {
        const child: unknown = children[i];
        if (!isObject(child)) continue;
        const at = `/children/${i}`;
        checkCitizenId(ctx, child.citizenId, `${at}/citizenId`, 'warning');
        checkNotFuture(ctx, child.birthDate, `${at}/birthDate`);
      }
    }
  },
};

function checkEnvelope(ctx: SemanticContext, record: JsonObject, levels: Levels): void {
  checkNotFuture(ctx, record.eventDate, '/eventDate');
  checkRegionCode(ctx, record.regionCode, '/regionCode', levels);
}

function checkPerson(ctx: SemanticContext, record: JsonObject, key: string, idSeverity: 'error' | 'warning'): void {
  const person = record[key];
  if (!isObject(person)) return;
  checkCitizenId(ctx, person.citizenId, `/${key}/citizenId`, idSeverity);
  checkNotFuture(ctx, person.birthDate, `/${key}/birthDate`);
  checkRegionCode(ctx, person.hukouRegionCode, `/${key}/hukouRegionCode`, VILLAGE_OR_TOWNSHIP);
}

function checkCitizenId(ctx: SemanticContext, value: unknown, at: string, severity: 'error' | 'warning'): void {
  if (typeof value !== 'string' || faulted(ctx, at)) return;
  const result = parseCitizenId(value, { today: ctx.limit });
  if (!result.ok) {
    (severity === 'error' ? ctx.errors : ctx.warnings).push({ path: at, code: result.fault.code, message: result.fault.message });
  }
}

function checkRegionCode(ctx: SemanticContext, value: unknown, at: string, levels: Levels): void {
  if (typeof value !== 'string' || faulted(ctx, at) || isRegionCode(value, levels)) return;
  ctx.errors.push({ path: at, code: 'region-code', message: `${value} is not a region code: its province code ${value.slice(0, 2)} does not exist` });
}

function checkNotFuture(ctx: SemanticContext, value: unknown, at: string): void {
  // ISO dates compare correctly as strings.
  if (typeof value !== 'string' || value <= ctx.limit || faulted(ctx, at)) return;
  ctx.errors.push({ path: at, code: 'date-in-future', message: `${value} is in the future (latest accepted date: ${ctx.limit})` });
}

function faulted(ctx: SemanticContext, at: string): boolean {
  if (ctx.schemaPaths === undefined) return false;
  for (const faultedPath of ctx.schemaPaths) {
    if (faultedPath === at || faultedPath === '' || at.startsWith(`${faultedPath}/`)) return true;
  }
  return false;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isoDate(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}
