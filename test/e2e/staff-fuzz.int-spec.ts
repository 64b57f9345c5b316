import fc from 'fast-check';
import { StaffRepository } from '@sanxian/persistence';
import { Hub, startHub } from '../support/hub-harness';

const PASSWORD = 'fuzz-staff-2026';
/** Every answer must come within this; a request still running is aborted, and that fails the case. */
const ANSWER_WITHIN_MS = 5000;

/** Text a caller could send: NUL and other controls, lone surrogates, CJK, huge runs, JSON-looking bits. */
const nastyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('\u0000', '\ud800', '\udfff', '\u0085', '\u202e', '张', '%', '"', '\\', '{', '[', '/', '..', '\uffff'), maxLength: 30 }),
  fc.integer({ min: 1000, max: 200_000 }).map((n) => 'x'.repeat(n)),
  fc.constantFrom('', 'me', 'none', 'all', 'true', '-1', '1e309', 'NaN', '2026-02-30', '511325101', '00000000-0000-4000-8000-000000000000'),
);

/** JSON values, nested up to a few thousand levels at times. */
const deepJson = fc.integer({ min: 1, max: 5000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth));
// Body fields the staff API reads, one per line.
const BODY_KEYS = [
  'username',
  'password',
  'action',
  'comment',
  'ids',
  'assigneeId',
  'decision',
  'messageIds',
  'all',
  'townshipCode',
  'asOf',
  'year',
  '__proto__',
  'constructor',
  'period',
  'townshipCodes',
  'design',
  'teams',
  'days',
  'reason',
  'kind',
  'personName',
  'corrects',
  'question',
  'messageId',
  'crossCounty',
];
const jsonBody = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.dictionary(fc.constantFrom(...BODY_KEYS), fc.oneof(nastyText, fc.jsonValue({ maxDepth: 3 }))).map((v) => JSON.stringify(v)),
  deepJson,
  nastyText,
);

/** encodeURIComponent, except that a lone surrogate goes as its WTF-8 bytes (as a careless client would send it) instead of throwing. */
function encodeAnything(text: string): string {
  return Array.from(text)
    .map((ch) => {
      const unit = ch.charCodeAt(0);
      if (ch.length === 1 && unit >= 0xd800 && unit <= 0xdfff) {
        return [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
      }
      return encodeURIComponent(ch);
    })
    .join('');
}

// One route per line, so that features adding routes merge cleanly.
const GETS = [
  '/v1/discrepancies',
  '/v1/discrepancies/counts',
  '/v1/discrepancies/{x}',
  '/v1/link-reviews',
  '/v1/link-reviews/{x}',
  '/v1/reconciliations',
  '/v1/plans',
  '/v1/plans/{x}',
  '/v1/assessments/{x}/inputs',
  '/v1/assessments/{x}/publication',
  '/v1/assessments/{x}/ledger',
  '/v1/assessments/{x}/ledger.xlsx',
  '/v1/scoreboard',
  '/v1/scoreboard/units/{x}',
  '/v1/scoreboard/units/{x}/indicators/{x}/records',
  '/v1/exchange/monitor',
  '/v1/staff',
  '/v1/me',
  '/v1/inspection/campaigns',
  '/v1/inspection/campaigns/{x}',
  '/v1/inspection/campaigns/{x}/record',
  '/v1/inspection/campaigns/{x}/verification',
  '/v1/inspection/campaigns/{x}/days/{x}/teams/{x}/draw',
  '/v1/inspection/campaigns/{x}/days/{x}/teams/{x}/draw/frame',
  '/v1/discrepancies/{x}/verification-requests',
  '/v1/verification-requests',
];
const POSTS = [
  '/v1/auth/token',
  '/v1/discrepancies/{x}/resolution',
  '/v1/discrepancies/assignment',
  '/v1/discrepancies/{x}/assignment',
  '/v1/link-reviews/{x}/decision',
  '/v1/reconciliations',
  '/v1/plans',
  '/v1/indicators/compute',
  '/v1/assessments/{x}/inputs',
  '/v1/assessments/{x}/publication',
  '/v1/assessments/{x}/inputs/{x}/withdrawal',
  '/v1/assessments/{x}/ledger/decisions',
  '/v1/exchange/monitor/dead/replay',
  '/v1/inspection/campaigns',
  '/v1/inspection/campaigns/{x}/freeze',
  '/v1/inspection/campaigns/{x}/publication',
  '/v1/inspection/campaigns/{x}/days/{x}/teams/{x}/draw',
  '/v1/inspection/campaigns/{x}/days/{x}/teams/{x}/close',
  '/v1/discrepancies/{x}/verification-requests',
];
const QUERY_KEYS = ['regionCode', 'kind', 'status', 'overdue', 'assignee', 'limit', 'cursor', 'year', 'line', 'from', 'to', 'agency', 'role', 'region', 'version', 'state', 'limit[]', 'a[b][c]'];

describe('the staff API and sign-in under arbitrary input', () => {
  let hub: Hub;
  let token: string;
  const answers = new Map<number, number>();

  beforeAll(async () => {
    // Throttling stays on (as in production): many fuzzed sign-ins end in 429, which is an answer too.
    hub = await startHub({ worker: false });
    await hub.api.get(StaffRepository).create('fuzz.admin', PASSWORD, 'admin', null);
    const res = await fetch(`${hub.url}/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'fuzz.admin', password: PASSWORD }) });
    token = ((await res.json()) as any).accessToken;
  });
  afterAll(() => hub?.close());

  async function call(method: string, path: string, body?: string, contentType = 'application/json'): Promise<number> {
    const res = await fetch(hub.url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
      body,
      signal: AbortSignal.timeout(ANSWER_WITHIN_MS),
    });
    await res.arrayBuffer();
    answers.set(res.status, (answers.get(res.status) ?? 0) + 1);
    return res.status;
  }

  const fill = (template: string, values: string[]) => {
    let i = 0;
    return template.replace(/\{x\}/g, () => encodeAnything(values[i++ % values.length] ?? ''));
  };

  it('answers GETs with arbitrary path segments and query strings below 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...GETS), fc.array(nastyText, { minLength: 1, maxLength: 3 }), fc.array(fc.tuple(fc.constantFrom(...QUERY_KEYS), nastyText), { maxLength: 4 }), async (template, segments, query) => {
        const qs = query.map(([k, v]) => `${encodeAnything(k)}=${encodeAnything(v)}`).join('&');
        const status = await call('GET', fill(template, segments) + (qs ? `?${qs}` : ''));
        expect(status).toBeLessThan(500);
      }),
      { numRuns: 450 },
    );
  });

  it('answers arbitrary Authorization headers with 401 (never 5xx)', async () => {
    const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 300 });
    const tokenLike = fc.oneof(
      headerText,
      fc.tuple(headerText, headerText, headerText).map((parts) => parts.map((p) => Buffer.from(p).toString('base64url')).join('.')),
      fc.integer({ min: 10_000, max: 60_000 }).map((n) => 'a'.repeat(n)),
      fc.jsonValue({ maxDepth: 3 }).map((claims) => `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims) ?? 'null').toString('base64url')}.x`),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('Bearer ', 'bearer ', 'Basic ', '', 'Bearer  '), tokenLike, async (scheme, value) => {
        const res = await fetch(`${hub.url}/v1/me`, { headers: { authorization: scheme + value }, signal: AbortSignal.timeout(ANSWER_WITHIN_MS) });
        await res.arrayBuffer();
        expect([401, 431]).toContain(res.status);
      }),
      { numRuns: 150 },
    );
  });

  it('answers POSTs of arbitrary JSON (deeply nested too) and arbitrary bytes below 500, sign-in included', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...POSTS), fc.array(nastyText, { minLength: 1, maxLength: 2 }), jsonBody, fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'), async (template, segments, body, contentType) => {
        const status = await call('POST', fill(template, segments), body, contentType);
        expect(status).toBeLessThan(500);
      }),
      { numRuns: 450 },
    );
    // The fuzzing reached the handlers, not only the guard or the parser.
    expect([...answers.keys()]).toEqual(expect.arrayContaining([200, 400, 404]));
  });
});
