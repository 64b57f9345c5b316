import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KIND_AGENCY, RecordKind } from '@sanxian/contracts';
import { pushFile } from '@sanxian/exchange-client';
import { MessageLogRepository } from '@sanxian/persistence';
import { Manifest, generateCounty } from '@sanxian/synth';
import { Hub, startHub, waitUntilProcessed } from '../support/hub-harness';

const FILES: [RecordKind, string][] = [
  ['registry-card', 'registry-cards.ndjson'],
  ['hukou-change', 'hukou-changes.ndjson'],
  ['marriage-record', 'marriage-records.ndjson'],
  ['birth-notice', 'birth-notices.ndjson'],
];

describe('a synthetic county pushed through the exchange API with the real client', () => {
  let hub: Hub;
  let dir: string;
  let manifest: Manifest;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sanxian-county-'));
    manifest = await generateCounty({ county: '511325', people: 4000, seed: 7, year: 2025, out: dir });
    hub = await startHub();
  });
  afterAll(async () => {
    await hub?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(FILES)('every %s the generator made valid is accepted once; its invalid and resent records are not stored again', async (kind, file) => {
    const client = await hub.createClient(KIND_AGENCY[kind]);
    const summary = await pushFile({ kind, file: join(dir, file), url: hub.url, clientId: client.clientId, secret: client.secret, batchSize: 500, rejectionsFile: join(dir, `${file}.rejections`) });
    const expected = manifest.records[kind];
    expect(summary.records).toBe(expected.lines);
    expect(summary.rejected).toBe(expected.invalid);
    expect(summary.duplicates).toBe(expected.resent);
    expect(summary.accepted).toBe(expected.lines - expected.invalid - expected.resent);
  });

  it('processes everything into facts and a registry of the current cards, with an intact log', async () => {
    const accepted = Object.values(manifest.records).reduce((n, r) => n + r.lines - r.invalid - r.resent, 0);
    expect(await waitUntilProcessed(hub, accepted, 120_000)).toEqual({ processed: accepted });
    const cards = new Set(readFileSync(join(dir, 'registry-cards.ndjson'), 'utf8').trim().split('\n').map((line) => JSON.parse(line).cardId));
    const [registry] = await hub.sql(`SELECT count(*)::int AS n FROM registry_woman`);
    expect(registry.n).toBe(cards.size);
    const verified = await hub.api.get(MessageLogRepository).verifyChains();
    expect(verified).toMatchObject({ checked: accepted, breaks: [] });
  });
});
