import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordKind } from '@sanxian/contracts';
import { completeLoad } from '@sanxian/exchange-client';
import { BulkLoadService } from '@sanxian/intake';
import { ReconciliationService } from '@sanxian/reconciliation';
import { Discrepancy, Manifest, SynthOptions, generateCounty } from '@sanxian/synth';
import { runCliAsync } from '../../support/cli-process';
import { COUNTY_FEEDS, pushCounty } from '../../support/county-push';
import { Hub, TestClient, send, startHub, waitFor, waitUntilProcessed } from '../../support/hub-harness';
import { hukouChange } from '../../support/record-factory';
import { expectJson, signInStaff } from '../../support/staff-api';

/*
 * Issue 19: bulk loads finish before they are reconciled, and field forms change nothing.
 *
 * A synthetic county (its feeds written with the field forms at the default rate) arrives as the
 * registry's initial load, then the agencies' backlog as history imports, on a hub that reconciles
 * 300 ms after intake. While the loads are open the runs after intake wait; once every client has
 * declared its load complete, one reconciliation finds exactly the ground truth, and nothing is
 * raised and closed again, nor any receipt sent for such a discrepancy. The same county written
 * cleanly reconciles to the same discrepancies. A control hub, reconciling between the two feeds as
 * a hub without bulk loads would, does raise and close discrepancies: the assertions can fail.
 */

const PEOPLE = 2500;
/** The registry's faults raised, so that a small county has more discrepancies, of several kinds, to compare. */
const REGISTRY_FAULTS: SynthOptions['rates'] = { missingChild: 0.3, staleMarital: 0.3, staleResidence: 0.3, staleDeath: 0.3 };
const SEED = '19';
const AGENCY_FEEDS = COUNTY_FEEDS.filter((kind) => kind !== 'registry-card');
const LOAD = (kind: RecordKind) => (kind === 'registry-card' ? 'initial' : 'history');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function ndjson<T>(file: string): T[] {
  const text = readFileSync(file, 'utf8').trimEnd();
  return text === '' ? [] : text.split('\n').map((line) => JSON.parse(line) as T);
}

const openKeys = async (hub: Hub) =>
  (await hub.sql<{ key: string }>(`SELECT key FROM discrepancy WHERE status = 'open' AND kind <> 'unlinked-record' ORDER BY key`)).map((r) => r.key);

async function county(name: string, rates?: { fieldForm: number }): Promise<{ dir: string; manifest: Manifest; truth: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), `sanxian-bulk-${name}-`));
  const manifest = await generateCounty({ people: PEOPLE, seed: SEED, year: 2025, out: dir, rates: { ...REGISTRY_FAULTS, ...rates } });
  return { dir, manifest, truth: ndjson<Discrepancy>(join(dir, 'truth', 'discrepancies.ndjson')).map((d) => d.key).sort() };
}

let formedKeys: string[] | undefined;

describe('a registry initial load followed by the agencies\' backlog, reconciled after intake', () => {
  let hub: Hub;
  let formed: Awaited<ReturnType<typeof county>>;
  let clients: Record<RecordKind, TestClient>;
  let accepted = 0;
  let completedAt: Date;
  let token: string;

  const runs = () => hub.sql<{ trigger: string; status: string; started_at: Date }>(`SELECT trigger, status, started_at FROM reconciliation_run ORDER BY id`);

  beforeAll(async () => {
    formed = await county('formed');
    hub = await startHub({ worker: true, env: { RECONCILE_AFTER_INTAKE_DELAY_MS: '300', BULK_LOAD_QUIET_MS: String(3600_000), RECONCILE_AS_OF: formed.manifest.asOf } });
    const users = {} as Record<'county', { id: string; token: string }>;
    await signInStaff(hub, 'bulk', 'bulk-load-password', [['county', 'county', null]], users);
    token = users.county.token;
  }, 120_000);
  afterAll(async () => {
    await hub?.close();
    if (formed) rmSync(formed.dir, { recursive: true, force: true });
  });

  it('carries the field forms in the feeds it pushes', () => {
    const forms = Object.entries(formed.manifest.feedFaults).filter(([code]) => code.startsWith('field-form:'));
    expect(forms.reduce((n, [, count]) => n + count, 0)).toBeGreaterThan(50);
  });

  it('waits while the registry\'s initial load is open, and lists the load in the monitor', async () => {
    const registry = await pushCounty(hub, formed.dir, { kinds: ['registry-card'], load: LOAD });
    accepted += registry.accepted;
    clients = { ...registry.clients } as Record<RecordKind, TestClient>;
    await waitUntilProcessed(hub, accepted, 120_000);
    // Several quiet windows after intake: each after-intake job found the load open and put itself off.
    await sleep(1500);
    expect(await runs()).toEqual([]);

    const monitor = await expectJson(await fetch(`${hub.url}/v1/exchange/monitor`, { headers: { authorization: `Bearer ${token}` } }), 200);
    expect(monitor.bulkLoads.quietMs).toBe(3600_000);
    expect(monitor.bulkLoads.open).toEqual([
      expect.objectContaining({ clientId: clients['registry-card'].clientId, agency: 'family-planning', loads: ['initial'], records: registry.accepted, pendingBatches: 0 }),
    ]);
  });

  it('still waits once the registry is complete, while the agencies\' history imports are open', async () => {
    const agencies = await pushCounty(hub, formed.dir, { kinds: AGENCY_FEEDS, load: LOAD });
    accepted += agencies.accepted;
    Object.assign(clients, agencies.clients);
    await waitUntilProcessed(hub, accepted, 120_000);
    const done = await completeLoad({ url: hub.url, clientId: clients['registry-card'].clientId, secret: clients['registry-card'].secret });
    expect(done).toMatchObject({ completed: true, load: { loads: ['initial'], clientId: clients['registry-card'].clientId } });
    await sleep(1500);
    expect(await runs()).toEqual([]);
  });

  it('reconciles once every load is complete: exactly the ground truth, nothing raised and closed again, no receipt for such a one', async () => {
    for (const kind of AGENCY_FEEDS) {
      const done = await completeLoad({ url: hub.url, clientId: clients[kind].clientId, secret: clients[kind].secret, note: `${kind} backlog` });
      expect({ kind, completed: done.completed, loads: done.load?.loads }).toEqual({ kind, completed: true, loads: ['history'] });
    }
    completedAt = new Date();
    const [run] = await waitFor('the reconciliation after the loads', async () => {
      const rows = await runs();
      return rows.length > 0 && rows.every((r) => r.status === 'done') ? rows : undefined;
    }, 120_000);
    expect(run.trigger).toBe('intake');
    // Started only after the last load was declared complete (the database's clock, a little before ours).
    expect(run.started_at.getTime()).toBeGreaterThan(completedAt.getTime() - 1000);

    const keys = await openKeys(hub);
    expect(formed.truth.length).toBeGreaterThan(10);
    expect({ onlyInTruth: formed.truth.filter((k) => !keys.includes(k)), onlyInHub: keys.filter((k) => !formed.truth.includes(k)) }).toEqual({ onlyInTruth: [], onlyInHub: [] });
    formedKeys = keys;
    expect(await hub.sql(`SELECT key FROM discrepancy WHERE status = 'resolved-by-data'`)).toEqual([]);
    const closedReceipts = await hub.sql(
      `SELECT r.type, d.key FROM exchange_receipt r JOIN discrepancy d ON d.id::text = r.detail->>'discrepancyId' WHERE d.status <> 'open'`,
    );
    expect(closedReceipts).toEqual([]);
    expect((await hub.sql(`SELECT count(*)::int AS n FROM exchange_receipt WHERE type = 'discrepancy-raised'`))[0].n).toBeGreaterThan(0);
  });

  it('answers a repeated completion with the load it ended, and changes nothing', async () => {
    const again = await completeLoad({ url: hub.url, clientId: clients['registry-card'].clientId, secret: clients['registry-card'].secret });
    expect(again).toMatchObject({ completed: false, load: { loads: ['initial'] } });
    expect(await hub.sql(`SELECT count(*)::int AS n FROM bulk_load_end`)).toEqual([{ n: 4 }]);
  });

  it('refuses a completion body that is not the schema\'s, naming the field', async () => {
    const res = await send(hub.url, clients['birth-notice'], 'POST', '/v1/exchange/loads/complete', { records: [] });
    const problem = await expectJson(res, 400);
    expect(problem).toMatchObject({ code: 'invalid-body' });
    expect(problem.detail).toContain('records');
  });

  it('keeps the ends of loads append-only', async () => {
    await expect(hub.sql(`UPDATE bulk_load_end SET records = 0`)).rejects.toThrow(/append-only/);
    await expect(hub.sql(`DELETE FROM bulk_load_end`)).rejects.toThrow(/append-only/);
  });
});

describe('the same county written cleanly', () => {
  let hub: Hub;
  let clean: Awaited<ReturnType<typeof county>>;

  beforeAll(async () => {
    clean = await county('clean', { fieldForm: 0 });
    hub = await startHub({ worker: true });
    const pushed = await pushCounty(hub, clean.dir);
    await waitUntilProcessed(hub, pushed.accepted, 120_000);
  }, 120_000);
  afterAll(async () => {
    await hub?.close();
    if (clean) rmSync(clean.dir, { recursive: true, force: true });
  });

  it('reconciles to the same discrepancies as the county whose feeds carry the field forms', async () => {
    expect(clean.manifest.feedFaults).not.toHaveProperty('field-form:name-spaces');
    await hub.worker!.get(ReconciliationService).run({ trigger: 'on-demand', asOf: clean.manifest.asOf });
    expect(formedKeys).toBeDefined();
    expect(await openKeys(hub)).toEqual(formedKeys);
  });
});

describe('control: reconciling between the registry and the backlog, as without bulk loads', () => {
  let hub: Hub;
  let plain: Awaited<ReturnType<typeof county>>;

  beforeAll(async () => {
    plain = await county('control');
    hub = await startHub({ worker: true });
  }, 120_000);
  afterAll(async () => {
    await hub?.close();
    if (plain) rmSync(plain.dir, { recursive: true, force: true });
  });

  it('raises discrepancies that the backlog closes again minutes later', async () => {
    const run = () => hub.worker!.get(ReconciliationService).run({ trigger: 'on-demand', asOf: plain.manifest.asOf });
    let accepted = (await pushCounty(hub, plain.dir, { kinds: ['registry-card'] })).accepted;
    await waitUntilProcessed(hub, accepted, 120_000);
    await run();
    accepted += (await pushCounty(hub, plain.dir, { kinds: AGENCY_FEEDS })).accepted;
    await waitUntilProcessed(hub, accepted, 120_000);
    const second = await run();
    expect(second.closedByData).toBeGreaterThan(0);
    expect((await hub.sql(`SELECT count(*)::int AS n FROM discrepancy WHERE status = 'resolved-by-data'`))[0].n).toBe(second.closedByData);
  });
});

describe('a bulk load nobody declares complete', () => {
  let hub: Hub;
  let police: TestClient;

  beforeAll(async () => {
    hub = await startHub({ worker: true, env: { RECONCILE_AFTER_INTAKE_DELAY_MS: '300', BULK_LOAD_QUIET_MS: '2500', RECONCILE_AS_OF: '2025-12-31' } });
    police = await hub.createClient('public-security');
  });
  afterAll(() => hub?.close());

  it('ends after its quiet time, and the run after intake follows it by itself', async () => {
    const records = [1, 2, 3].map((i) => hukouChange(i, 7, { eventDate: '2025-03-01' }));
    expect((await expectJson(await send(hub.url, police, 'POST', '/v1/exchange/hukou-changes?load=history', { records }), 202)).accepted).toBe(3);
    await waitUntilProcessed(hub, 3);
    const [batch] = await hub.sql<{ created_at: Date }>(`SELECT max(created_at) AS created_at FROM intake_batch`);
    const [run] = await waitFor('the run after the quiet time', async () => {
      const rows = await hub.sql<{ started_at: Date; status: string }>(`SELECT started_at, status FROM reconciliation_run`);
      return rows.length > 0 && rows[0].status === 'done' ? rows : undefined;
    }, 30_000);
    expect(run.started_at.getTime()).toBeGreaterThanOrEqual(batch.created_at.getTime() + 2500);
    expect(await hub.sql(`SELECT count(*)::int AS n FROM bulk_load_end`)).toEqual([{ n: 0 }]);
  });

  it('leaves a regular delivery to today\'s timing: it opens no load, and its run after intake follows', async () => {
    const before = (await hub.sql(`SELECT count(*)::int AS n FROM reconciliation_run`))[0].n;
    expect((await expectJson(await send(hub.url, police, 'POST', '/v1/exchange/hukou-changes', { records: [hukouChange(4, 7, { eventDate: '2025-03-02' })] }), 202)).accepted).toBe(1);
    expect(await hub.api.get(BulkLoadService).open()).toEqual([]);
    await waitUntilProcessed(hub, 4);
    const runs = await waitFor('the run after the regular delivery', async () => {
      const rows = await hub.sql<{ status: string }>(`SELECT status FROM reconciliation_run ORDER BY id OFFSET $1`, [before]);
      return rows.length > 0 && rows.every((r) => r.status === 'done') ? rows : undefined;
    }, 30_000);
    expect(runs.length).toBeGreaterThan(0);
  });
});

describe('`sanxian push --load history --complete` as a process (needs `npm run build`)', () => {
  let hub: Hub;
  let police: TestClient;
  let dir: string;

  beforeAll(async () => {
    hub = await startHub({ worker: false });
    police = await hub.createClient('public-security');
    dir = mkdtempSync(join(tmpdir(), 'sanxian-bulk-cli-'));
  });
  afterAll(async () => {
    await hub?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sends the file, then declares the load complete and says so', async () => {
    const file = join(dir, 'backlog.ndjson');
    writeFileSync(file, [1, 2].map((i) => JSON.stringify(hukouChange(i, 8, { eventDate: '2025-02-01' }))).join('\n') + '\n');
    const env = { ...hub.env, H19_POLICE_SECRET: police.secret };
    const args = ['push', 'hukou-change', file, '--client', police.clientId, '--secret-env', 'H19_POLICE_SECRET', '--url', hub.url];
    const result = await runCliAsync([...args, '--load', 'history', '--complete'], env);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/load complete: 2 records in 1 batches \(history\)/);
    expect(await hub.sql(`SELECT client_id, loads, records FROM bulk_load_end`)).toEqual([{ client_id: police.clientId, loads: ['history'], records: 2 }]);

    const bare = await runCliAsync([...args, '--complete'], env);
    expect(bare.status).toBe(2);
    expect(bare.stderr).toContain('--complete ends a bulk load: give --load initial or --load history too');
  });
});
