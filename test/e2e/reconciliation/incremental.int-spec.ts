import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KIND_PATH } from '@sanxian/contracts';
import { ReconciliationService } from '@sanxian/reconciliation';
import { Discrepancy, Manifest, RegistryCardRecord, generateCounty } from '@sanxian/synth';
import { Hub, TestClient, send, startHub, waitFor, waitUntilProcessed } from '../../support/hub-harness';
import { pushCounty } from '../../support/county-push';
import { hukouChange } from '../../support/record-factory';
import { FAULT_HEAVY } from '../../support/synthetic-county';

/**
 * The worker reconciles incrementally after intake: a synthetic county (with many faults: typos,
 * missing and 15-digit ids, mistyped card ids) pushed in small batches through the exchange API is
 * reconciled by incremental runs alone to exactly its ground truth, a full run afterwards changes
 * nothing, and one more record makes a run that reads only the people it names.
 */
function ndjson<T>(file: string): T[] {
  const text = readFileSync(file, 'utf8').trimEnd();
  return text === '' ? [] : text.split('\n').map((line) => JSON.parse(line) as T);
}

describe('incremental reconciliation after intake, on a synthetic county', () => {
  let hub: Hub;
  let dir: string;
  let manifest: Manifest;
  let truth: Discrepancy[];
  let clients: Record<string, TestClient>;
  let accepted = 0;

  const openKeys = async () =>
    (await hub.sql<{ key: string }>(`SELECT key FROM discrepancy WHERE status = 'open' AND kind <> 'unlinked-record' ORDER BY key`)).map((r) => r.key);
  /** Every processed batch covered, and no run still going. */
  const allReconciled = () =>
    waitFor('every batch reconciled', async () => {
      const [{ waiting }] = await hub.sql(`SELECT count(*)::int AS waiting FROM intake_batch WHERE reconciled_at IS NULL`);
      const [{ running }] = await hub.sql(`SELECT count(*)::int AS running FROM reconciliation_run WHERE status = 'running'`);
      return waiting === 0 && running === 0;
    }, 180_000, 200);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sanxian-incremental-'));
    manifest = await generateCounty({ county: '511325', people: 2000, seed: '4', year: 2025, out: dir, rates: FAULT_HEAVY });
    truth = ndjson<Discrepancy>(join(dir, 'truth', 'discrepancies.ndjson'));
    hub = await startHub({ worker: true, env: { RECONCILE_AFTER_INTAKE_DELAY_MS: '200', RECONCILE_AS_OF: manifest.asOf, COUNTY_CODE: '511325' } });
    const pushed = await pushCounty(hub, dir, { batchSize: 200 });
    clients = pushed.clients;
    accepted += pushed.accepted;
    await waitUntilProcessed(hub, accepted, 180_000);
    await allReconciled();
  }, 600_000);
  afterAll(async () => {
    await hub?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reaches the ground truth by runs after intake alone, and a full run afterwards changes nothing', async () => {
    const runs = await hub.sql(`SELECT mode, status FROM reconciliation_run`);
    expect(runs.filter((r) => r.mode === 'incremental').length).toBeGreaterThan(0);
    expect(runs.every((r) => r.status === 'done')).toBe(true);

    const hubKeys = new Set(await openKeys());
    const truthKeys = new Set(truth.map((d) => d.key));
    const onlyInTruth = [...truthKeys].filter((k) => !hubKeys.has(k)).sort();
    const onlyInHub = [...hubKeys].filter((k) => !truthKeys.has(k)).sort();
    expect({ onlyInTruth, onlyInHub }).toEqual({ onlyInTruth: [], onlyInHub: [] });

    const full = await hub.worker!.get(ReconciliationService).run({ trigger: 'on-demand', asOf: manifest.asOf });
    expect({ raised: full.raised, reopened: full.reopened, changed: full.changed, closed: full.closedByData }).toEqual({ raised: 0, reopened: 0, changed: 0, closed: 0 });
  });

  it('after one more record, the run reads only the people it names and raises their discrepancy', async () => {
    // A resident woman with a card of her own, moved out by the police.
    const cards = ndjson<RegistryCardRecord>(join(dir, 'registry-cards.ndjson'));
    const latest = new Map<string, RegistryCardRecord>();
    for (const c of cards) if ((latest.get(c.cardId)?.version ?? 0) < c.version) latest.set(c.cardId, c);
    const openCards = new Set((await hub.sql<{ card_id: string }>(`SELECT card_id FROM discrepancy WHERE card_id IS NOT NULL`)).map((r) => r.card_id));
    const card = [...latest.values()].find((c) => c.residenceStatus === 'resident' && !openCards.has(c.cardId) && /^\d{17}[\dX]$/.test(c.woman.citizenId ?? ''))!;
    expect(card).toBeDefined();
    const [{ last }] = await hub.sql(`SELECT coalesce(max(id), 0)::text AS last FROM reconciliation_run`);

    const record = hukouChange(1, 77, {
      recordId: 'HK-INCREMENTAL-1', eventDate: '2025-11-20', regionCode: card.regionCode, changeType: 'move-out',
      person: { citizenId: card.woman.citizenId, name: card.woman.name, sex: 'F', birthDate: card.woman.birthDate },
    });
    const response = await send(hub.url, clients['hukou-change'], 'POST', `/v1/exchange/${KIND_PATH['hukou-change']}`, { records: [record] });
    expect(response.status).toBe(202);
    accepted += 1;
    await waitUntilProcessed(hub, accepted, 60_000);
    await allReconciled();

    const [run] = await hub.sql(`SELECT mode, trigger, persons_read, facts_read, cards_read, raised FROM reconciliation_run WHERE id > $1 ORDER BY id`, [last]);
    expect(run).toMatchObject({ mode: 'incremental', trigger: 'intake', raised: 1 });
    // Her card and the few people her id reaches (husband, children), not the county's 2,000.
    expect(run.cards_read).toBeGreaterThanOrEqual(1);
    expect(run.persons_read).toBeLessThan(20);
    expect(run.facts_read).toBeLessThan(40);
    const [raised] = await hub.sql(`SELECT status FROM discrepancy WHERE key = $1`, [`moved-out-still-registered:${card.cardId}`]);
    expect(raised).toEqual({ status: 'open' });
  });
});
