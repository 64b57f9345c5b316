import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KIND_PATH, RecordKind } from '@sanxian/contracts';
import { ReconciliationService } from '@sanxian/reconciliation';
import { Discrepancy, Manifest, MarriageRecord, RegistryCardRecord, generateCounty } from '@sanxian/synth';
import { Hub, TestClient, send, startHub, waitUntilProcessed } from '../../support/hub-harness';
import { pushCounty } from '../../support/county-push';
import { FAULT_HEAVY } from '../../support/synthetic-county';

/**
 * A synthetic county pushed through the exchange API and reconciled by the real engine: the open
 * discrepancies are exactly those the generator's ground truth lists (unlinked-record aside, which
 * the truth leaves to linkage), a second run changes nothing, and a card that corrects one of them
 * closes that one, by data, with a receipt to the agency that reported it.
 */

function ndjson<T>(file: string): T[] {
  const text = readFileSync(file, 'utf8').trimEnd();
  return text === '' ? [] : text.split('\n').map((line) => JSON.parse(line) as T);
}

function dayAfter(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/**
 * At 4,000 people the default rates give a handful of discrepancies; a third county raises every fault rate
 * (feeds and registry) so that each kind and each linkage difficulty (typos, missing and 15-digit ids,
 * mistyped card ids) occurs several times.
 */

describe.each([
  ['511325', '1', 'default', undefined],
  ['511622', '7', 'default', undefined],
  ['511325', '4', 'raised', FAULT_HEAVY],
])('reconciling a synthetic county %s (seed %s, %s fault rates) pushed through the exchange API', (county, seed, _rates, rates) => {
  let hub: Hub;
  let dir: string;
  let manifest: Manifest;
  let truth: Discrepancy[];
  const clients = {} as Record<RecordKind, TestClient>;
  let accepted = 0;

  const run = () => hub.worker!.get(ReconciliationService).run({ trigger: 'on-demand', asOf: manifest.asOf });
  const openKeys = async () =>
    (await hub.sql<{ key: string }>(`SELECT key FROM discrepancy WHERE status = 'open' AND kind <> 'unlinked-record' ORDER BY key`)).map((r) => r.key);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `sanxian-reconcile-${county}-`));
    manifest = await generateCounty({ county, people: 4000, seed, year: 2025, out: dir, ...(rates ? { rates } : {}) });
    truth = ndjson<Discrepancy>(join(dir, 'truth', 'discrepancies.ndjson'));
    hub = await startHub({ worker: true });
    const pushed = await pushCounty(hub, dir);
    Object.assign(clients, pushed.clients);
    accepted += pushed.accepted;
    await waitUntilProcessed(hub, accepted, 120_000);
  });
  afterAll(async () => {
    await hub?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finds exactly the discrepancies of the ground truth', async () => {
    const summary = await run();
    expect(summary.facts).toBeGreaterThan(0);
    const hubKeys = new Set(await openKeys());
    const truthKeys = new Set(truth.map((d) => d.key));
    // The keys on one side only: an empty pair is the pass, anything else is what to look at.
    const onlyInTruth = [...truthKeys].filter((k) => !hubKeys.has(k)).sort();
    const onlyInHub = [...hubKeys].filter((k) => !truthKeys.has(k)).sort();
    expect({ onlyInTruth, onlyInHub }).toEqual({ onlyInTruth: [], onlyInHub: [] });
    expect(truthKeys.size).toBe(manifest.discrepancies.total);
  });

  it('changes nothing when run again', async () => {
    const before = await openKeys();
    const again = await run();
    expect({ raised: again.raised, closedByData: again.closedByData, reopened: again.reopened }).toEqual({ raised: 0, closedByData: 0, reopened: 0 });
    expect(await openKeys()).toEqual(before);
  });

  it('closes a marital-status conflict by data once a new card version shows the marriage registration, with a receipt to civil affairs', async () => {
    // A conflict whose card is the evidence of nothing else, so that the new version can change only it.
    const cardsInOtherKinds = new Set(truth.filter((d) => d.kind !== 'marital-status-conflict').map((d) => d.evidence.cardId));
    const conflict = truth.find((d) => d.kind === 'marital-status-conflict' && !cardsInOtherKinds.has(d.evidence.cardId));
    expect(conflict).toBeDefined();
    const [open] = await hub.sql<{ id: string }>(`SELECT id FROM discrepancy WHERE key = $1 AND status = 'open'`, [conflict!.key]);
    expect(open).toBeDefined();

    const cardId = conflict!.evidence.cardId!;
    const current = ndjson<RegistryCardRecord>(join(dir, 'registry-cards.ndjson'))
      .filter((c) => c.cardId === cardId)
      .reduce((a, b) => (b.version > a.version ? b : a));
    const marriages = ndjson<MarriageRecord>(join(dir, 'marriage-records.ndjson'));
    const registration = marriages.find((m) => conflict!.evidence.recordIds.includes(m.recordId))!;
    expect(registration).toBeDefined();
    const status = registration.registrationType === 'marriage' ? 'married' : 'divorced';
    const version = current.version + 1;
    // Written the day the office learns of the registration: not before it, and never before the card it follows.
    const eventDate = registration.eventDate > current.eventDate ? registration.eventDate : dayAfter(current.eventDate);
    const fixed: RegistryCardRecord = {
      ...current, recordId: `RC-${cardId}-v${version}`, version, eventDate, maritalStatus: status,
      ...(status === 'married' ? { marriageDate: registration.eventDate } : {}),
    };
    delete fixed.reportedAt;

    const [{ cursor }] = await hub.sql<{ cursor: string }>(`SELECT coalesce(max(id), 0)::text AS cursor FROM exchange_receipt`);
    const response = await send(hub.url, clients['registry-card'], 'POST', `/v1/exchange/${KIND_PATH['registry-card']}`, { records: [fixed] });
    expect(response.status).toBe(202);
    accepted += 1;
    await waitUntilProcessed(hub, accepted, 60_000);

    const summary = await run();
    expect({ raised: summary.raised, closedByData: summary.closedByData, byKind: summary.byKind }).toEqual({
      raised: 0, closedByData: 1, byKind: { 'marital-status-conflict': { raised: 0, closed: 1 } },
    });
    const [closed] = await hub.sql<{ status: string; closed_at: Date | null }>(`SELECT status, closed_at FROM discrepancy WHERE id = $1`, [open.id]);
    expect(closed.status).toBe('resolved-by-data');
    expect(closed.closed_at).not.toBeNull();

    // Civil affairs, whose registration was the evidence, reads it among its receipts.
    const receipts = await (await send(hub.url, clients['marriage-record'], 'GET', `/v1/exchange/receipts?after=${cursor}&limit=1000`)).json();
    const resolved = receipts.items.filter((r: { type: string }) => r.type === 'resolved');
    expect(resolved).toEqual([
      expect.objectContaining({
        recordId: registration.recordId, type: 'resolved',
        detail: expect.objectContaining({ discrepancyId: open.id, kind: 'marital-status-conflict' }),
      }),
    ]);
  });
});
