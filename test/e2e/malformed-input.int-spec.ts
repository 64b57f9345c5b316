import fc from 'fast-check';
import { KIND_AGENCY, KIND_PATH, RECORD_KINDS, RecordKind } from '@sanxian/contracts';
import { toCsv } from '@sanxian/exchange';
import { FACTORIES } from '../support/record-factory';
import { Hub, TestClient, send } from '../support/hub-harness';
import { startHub } from '../support/hub-harness';

/** Replaces one field somewhere in a valid record with an arbitrary value (or removes it). */
function mutate(record: Record<string, unknown>, pathSeed: number, value: unknown, remove: boolean): Record<string, unknown> {
  const copy = structuredClone(record);
  let node: Record<string, unknown> = copy;
  for (;;) {
    const keys = Object.keys(node);
    if (!keys.length) return copy;
    const key = keys[pathSeed % keys.length];
    pathSeed = Math.floor(pathSeed / keys.length);
    const child = node[key];
    if (child && typeof child === 'object' && pathSeed % 3 !== 0) {
      node = child as Record<string, unknown>;
      continue;
    }
    if (remove) delete node[key];
    else node[key] = value;
    return copy;
  }
}

const contentTypes = fc.constantFrom('application/json', 'application/x-ndjson', 'text/csv', 'application/xml', 'text/plain', 'application/json; charset=utf-8', '');

const malformedBody = (kind: RecordKind) =>
  fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.json({ maxDepth: 3 }),
    fc.array(fc.anything({ maxDepth: 3 }), { maxLength: 5 }).map((records) => JSON.stringify({ records })),
    fc.anything({ maxDepth: 3 }).map((x) => JSON.stringify(x) ?? 'undefined'),
    fc.tuple(fc.nat(), fc.nat(), fc.anything({ maxDepth: 2 }), fc.boolean()).map(([serial, seed, value, remove]) =>
      JSON.stringify({ records: [mutate(FACTORIES[kind](serial % 1000, 9000 + (seed % 50)), seed, value, remove)] }),
    ),
    fc.array(fc.tuple(fc.nat(), fc.anything({ maxDepth: 2 })), { minLength: 1, maxLength: 4 }).map((items) =>
      items.map(([seed, value]) => JSON.stringify(mutate(FACTORIES[kind](seed % 1000, 9100), seed, value, false)) ?? '').join('\n'),
    ),
    fc.tuple(fc.array(fc.string({ maxLength: 12 }), { maxLength: 6 }), fc.array(fc.array(fc.string({ maxLength: 12 }), { maxLength: 6 }), { maxLength: 4 })).map(
      ([header, rows]) => [header.join(','), ...rows.map((r) => r.join(','))].join('\n'),
    ),
    fc.tuple(fc.nat(), fc.anything({ maxDepth: 1 })).map(([seed, value]) => toCsv([mutate(FACTORIES[kind](seed % 1000, 9200), seed, value, false)])),
    fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
  );

describe('malformed bodies and records never cause a 5xx (property test)', () => {
  let hub: Hub;
  const clients = {} as Record<RecordKind, TestClient>;

  beforeAll(async () => {
    hub = await startHub({ worker: false });
    for (const kind of RECORD_KINDS) clients[kind] = await hub.createClient(KIND_AGENCY[kind]);
  });
  afterAll(() => hub?.close());

  it('answers a 4xx problem document or per-record rejections for 1,200 random inputs, and keeps serving', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...RECORD_KINDS).chain((kind) => fc.tuple(fc.constant(kind), malformedBody(kind), contentTypes, fc.constantFrom(...RECORD_KINDS))),
        async ([kind, body, contentType, sender]) => {
          runs++;
          const res = await send(hub.url, clients[sender], 'POST', `/v1/exchange/${KIND_PATH[kind]}`, Buffer.isBuffer(body) ? body : Buffer.from(body), { contentType: contentType || undefined });
          expect(res.status).toBeLessThan(500);
          const text = await res.text();
          if (res.status === 202) {
            const answer = JSON.parse(text);
            expect(answer.accepted + answer.duplicates + answer.rejected).toBe(answer.results.length);
            for (const result of answer.results) {
              expect(['accepted', 'duplicate', 'rejected']).toContain(result.status);
              if (result.status === 'rejected') {
                expect(result.errors.length).toBeGreaterThan(0);
                for (const error of result.errors) {
                  expect(error.path === '' || error.path.startsWith('/')).toBe(true);
                  expect(typeof error.code).toBe('string');
                  expect(typeof error.message).toBe('string');
                }
              }
            }
          } else {
            expect(res.status).toBeGreaterThanOrEqual(400);
            expect(res.headers.get('content-type')).toContain('application/problem+json');
            const problem = JSON.parse(text);
            expect(problem).toMatchObject({ status: res.status, title: expect.any(String), type: expect.any(String) });
          }
        },
      ),
      { numRuns: 1200, seed: 20261128 },
    );
    expect(runs).toBeGreaterThanOrEqual(1000);
    expect((await fetch(`${hub.url}/health/live`)).status).toBe(200);
  }, 300_000);
});
