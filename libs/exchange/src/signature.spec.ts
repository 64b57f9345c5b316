import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import {
  NONCE_PATTERN,
  canonicalRequest,
  checkTimestamp,
  formatTimestamp,
  parseTimestamp,
  sha256Hex,
  signRequest,
  signedHeaders,
  verifySignature,
} from './signature';

// Computed outside this code with:
//   printf '{"records":[]}' | openssl dgst -sha256                                     -> BODY_SHA
//   printf 'POST\n/v1/exchange/birth-notices?dry=1\n2026-11-28T12:00:00Z\n<NONCE>\n<BODY_SHA>' \
//     | openssl dgst -sha256 -hmac 'test-secret-县卫健委'                               -> KNOWN_HMAC
const SECRET = 'test-secret-县卫健委';
const PATH = '/v1/exchange/birth-notices?dry=1';
const TIMESTAMP = '2026-11-28T12:00:00Z';
const NONCE = 'AbCdEfGhIjKlMnOp_-0123456789xyzQ';
const BODY = Buffer.from('{"records":[]}');
const BODY_SHA = '1b8b4c0b6f6ad1d32565952720bc004eeb1f188f62045e4d5525ae2af8c78432';
const KNOWN_HMAC = '585516089131581a0c77ba055bdb2ac0b9e148b7fc16e02a6695e7a2a9c29e95';
const EMPTY_SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('sha256Hex and canonicalRequest', () => {
  it('hashes bodies, the empty body included', () => {
    expect(sha256Hex(BODY)).toBe(BODY_SHA);
    expect(sha256Hex('')).toBe(EMPTY_SHA);
    expect(sha256Hex(Buffer.alloc(0))).toBe(EMPTY_SHA);
  });

  it('joins the upper-cased method, path with query, timestamp, nonce and body hash with newlines', () => {
    expect(canonicalRequest('post', PATH, TIMESTAMP, NONCE, BODY)).toBe(`POST\n${PATH}\n${TIMESTAMP}\n${NONCE}\n${BODY_SHA}`);
    expect(canonicalRequest('GET', '/v1/exchange/receipts?after=abc&limit=10', TIMESTAMP, NONCE, Buffer.alloc(0))).toBe(
      `GET\n/v1/exchange/receipts?after=abc&limit=10\n${TIMESTAMP}\n${NONCE}\n${EMPTY_SHA}`,
    );
  });
});

describe('signRequest and verifySignature', () => {
  it('matches a vector computed with openssl', () => {
    expect(signRequest(SECRET, 'POST', PATH, TIMESTAMP, NONCE, BODY)).toBe(`v1=${KNOWN_HMAC}`);
    expect(verifySignature(SECRET, `v1=${KNOWN_HMAC}`, 'POST', PATH, TIMESTAMP, NONCE, BODY)).toBe(true);
  });

  it('agrees with HMAC computed directly with node:crypto', () => {
    const canonical = `PUT\n/x\n${TIMESTAMP}\n${NONCE}\n${createHash('sha256').update('abc').digest('hex')}`;
    const direct = createHmac('sha256', 's3cret').update(canonical).digest('hex');
    expect(signRequest('s3cret', 'put', '/x', TIMESTAMP, NONCE, Buffer.from('abc'))).toBe(`v1=${direct}`);
  });

  const good = () => ({ secret: SECRET, method: 'POST', path: PATH, timestamp: TIMESTAMP, nonce: NONCE, body: BODY });
  const verify = (r: ReturnType<typeof good>, header = `v1=${KNOWN_HMAC}`) =>
    verifySignature(r.secret, header, r.method, r.path, r.timestamp, r.nonce, r.body);

  it.each([
    ['secret', { secret: `${SECRET}x` }],
    ['method', { method: 'PUT' }],
    ['path', { path: '/v1/exchange/birth-notices' }],
    ['query', { path: '/v1/exchange/birth-notices?dry=2' }],
    ['timestamp', { timestamp: '2026-11-28T12:00:01Z' }],
    ['nonce', { nonce: `${NONCE.slice(0, -1)}R` }],
    ['body', { body: Buffer.from('{"records":[ ]}') }],
  ])('fails when the %s is tampered with', (_field, change) => {
    expect(verify({ ...good(), ...change })).toBe(false);
  });

  it('accepts upper-case hex and the method in any case', () => {
    expect(verify(good(), `v1=${KNOWN_HMAC.toUpperCase()}`)).toBe(true);
    expect(verify({ ...good(), method: 'post' })).toBe(true);
  });

  it.each([
    ['no prefix', KNOWN_HMAC],
    ['another version', `v2=${KNOWN_HMAC}`],
    ['too short', `v1=${KNOWN_HMAC.slice(0, -2)}`],
    ['too long', `v1=${KNOWN_HMAC}00`],
    ['not hex', `v1=${KNOWN_HMAC.slice(0, -1)}g`],
    ['a flipped digit', `v1=${KNOWN_HMAC.slice(0, -1)}${KNOWN_HMAC.endsWith('5') ? '6' : '5'}`],
    ['empty', ''],
  ])('rejects a header with %s', (_case, header) => {
    expect(verify(good(), header)).toBe(false);
  });

  it('verifies whatever it signs (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ minLength: 1 }), fc.uint8Array({ maxLength: 200 }), (secret, path, bytes) => {
        const body = Buffer.from(bytes);
        const header = signRequest(secret, 'POST', path, TIMESTAMP, NONCE, body);
        return verifySignature(secret, header, 'POST', path, TIMESTAMP, NONCE, body);
      }),
    );
  });
});

describe('signedHeaders', () => {
  it('fills the four headers with a fixed clock and nonce', () => {
    const headers = signedHeaders({
      clientId: 'hosp-01',
      secret: SECRET,
      method: 'POST',
      pathWithQuery: PATH,
      body: BODY,
      now: new Date('2026-11-28T12:00:00.789Z'),
      nonce: NONCE,
    });
    expect(headers).toEqual({
      'X-Hub-Client': 'hosp-01',
      'X-Hub-Timestamp': TIMESTAMP,
      'X-Hub-Nonce': NONCE,
      'X-Hub-Signature': `v1=${KNOWN_HMAC}`,
    });
  });

  it('makes a fresh 32-character nonce that fits the contract', () => {
    const make = () => signedHeaders({ clientId: 'c', secret: 's', method: 'GET', pathWithQuery: '/', body: Buffer.alloc(0) });
    const a = make();
    const b = make();
    expect(a['X-Hub-Nonce']).toHaveLength(32);
    expect(a['X-Hub-Nonce']).toMatch(NONCE_PATTERN);
    expect(a['X-Hub-Nonce']).not.toBe(b['X-Hub-Nonce']);
    expect(a['X-Hub-Timestamp']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(verifySignature('s', a['X-Hub-Signature'], 'GET', '/', a['X-Hub-Timestamp'], a['X-Hub-Nonce'], Buffer.alloc(0))).toBe(true);
  });
});

describe('NONCE_PATTERN', () => {
  it.each(['a'.repeat(16), 'A-_9'.repeat(16), NONCE])('accepts %s', (nonce) => expect(NONCE_PATTERN.test(nonce)).toBe(true));
  it.each(['a'.repeat(15), 'a'.repeat(65), `${'a'.repeat(20)}=`, `${'a'.repeat(20)}+/`, `${'a'.repeat(20)} `, `${'a'.repeat(20)}\n`])(
    'rejects %j',
    (nonce) => expect(NONCE_PATTERN.test(nonce)).toBe(false),
  );
});

describe('timestamps', () => {
  const now = new Date('2026-11-28T12:00:00Z');

  it('formats without milliseconds', () => {
    expect(formatTimestamp(new Date('2026-01-02T03:04:05.999Z'))).toBe('2026-01-02T03:04:05Z');
  });

  it.each([
    ['2026-11-28T12:00:00Z', 'ok'],
    ['2026-11-28T12:05:00Z', 'ok'],
    ['2026-11-28T11:55:00Z', 'ok'],
    ['2026-11-28T12:05:01Z', 'expired'],
    ['2026-11-28T11:54:59Z', 'expired'],
    ['2026-11-28T12:00:00.123Z', 'ok'],
    ['2026-11-28T20:00:00+08:00', 'ok'],
    ['2026-11-28T12:00:00+08:00', 'expired'],
    ['2026-11-28t12:00:00z', 'ok'],
    ['2020-01-01T00:00:00Z', 'expired'],
    ['2026-11-28 12:00:00Z', 'malformed'],
    ['2026-11-28T12:00:00', 'malformed'],
    ['2026-11-28T12:00Z', 'malformed'],
    ['2026-02-30T12:00:00Z', 'malformed'],
    ['2026-13-01T12:00:00Z', 'malformed'],
    ['2026-11-28T24:00:00Z', 'malformed'],
    ['1764331200', 'malformed'],
    ['', 'malformed'],
  ] as const)('%s is %s', (header, expected) => {
    expect(checkTimestamp(header, now)).toBe(expected);
  });

  it('takes a custom window', () => {
    expect(checkTimestamp('2026-11-28T12:00:31Z', now, 30)).toBe('expired');
    expect(checkTimestamp('2026-11-28T12:00:30Z', now, 30)).toBe('ok');
  });

  it('parses leap years and offsets to the instant', () => {
    expect(parseTimestamp('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
    expect(parseTimestamp('2025-02-29T00:00:00Z')).toBeUndefined();
    expect(parseTimestamp('2026-11-28T08:00:00-04:00')).toBe(Date.UTC(2026, 10, 28, 12));
  });
});
