import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobProducer } from '@sanxian/jobs';
import { ReconciliationService } from '@sanxian/reconciliation';
import { Manifest, generateCounty } from '@sanxian/synth';
import { Hub, startHub, waitFor, waitUntilProcessed } from '../../support/hub-harness';
import { pushCounty } from '../../support/county-push';
import { openDiscrepancySnapshot } from '../../support/discrepancy-snapshot';
import { FAULT_HEAVY } from '../../support/synthetic-county';
import { runCli } from '../../support/cli-process';
import { ManagedProcess, killAllFaultChildren, startHubProcess } from '../../support/fault-processes';

/**
 * A full run in parts is a BullMQ flow of township parts that any number of worker processes share
 * (issue 16). The same faulty county is pushed into three hubs and reconciled by one full run each:
 * by one worker, by two worker processes, and by a worker SIGKILLed in the middle of the decide
 * parts and replaced. All three must end with exactly the same discrepancies and the same counts.
 * Intake does not reconcile here (the test hub's quiet window is a day), so the full run raises everything.
 */
jest.setTimeout(600_000);

const PEOPLE = 1500;
const PARTS_ENV = { RECONCILE_IN_MEMORY_MAX_CARDS: '0', RECONCILE_PART_PAGE: '20', COUNTY_CODE: '511325' };

describe('a full run in parts shared by worker processes', () => {
  let dir: string;
  let manifest: Manifest;
  const hubs: Hub[] = [];
  let one: { snapshot: string[]; run: RunRow };

  interface RunRow {
    status: string;
    persons_read: number;
    facts_read: number;
    cards_read: number;
    raised: number;
    closed: number;
  }

  async function countyHub(worker: boolean): Promise<Hub> {
    const hub = await startHub({ worker, env: { ...PARTS_ENV, RECONCILE_AS_OF: manifest.asOf } });
    hubs.push(hub);
    return hub;
  }

  async function push(hub: Hub): Promise<void> {
    const { accepted } = await pushCounty(hub, dir, { batchSize: 500 });
    await waitUntilProcessed(hub, accepted, 240_000);
  }

  /** Asks for a full run as staff do (on demand), and waits until the run it starts has ended. */
  async function fullRun(hub: Hub, onProgress?: () => Promise<boolean>): Promise<RunRow> {
    await hub.api.get(JobProducer).enqueueReconcile({ trigger: 'on-demand' });
    const [{ id }] = await waitFor('the run in parts to be planned', async () => {
      const rows = await hub.sql(`SELECT DISTINCT run_id::text AS id FROM reconciliation_run_part`);
      return rows.length === 1 ? rows : undefined;
    }, 60_000, 50);
    if (onProgress) await waitFor('the moment to act', onProgress, 240_000, 20);
    return waitFor(`run ${id} to end`, async () => {
      const [run] = await hub.sql<RunRow>(
        `SELECT status, persons_read, facts_read, cards_read, raised, closed FROM reconciliation_run WHERE id = $1 AND status <> 'running'`, [id]);
      return run;
    }, 400_000, 200);
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sanxian-parts-workers-'));
    manifest = await generateCounty({ county: '511325', people: PEOPLE, seed: '16', year: 2025, out: dir, rates: FAULT_HEAVY });
    const hub = await countyHub(true);
    await push(hub);
    const run = await fullRun(hub);
    one = { snapshot: await openDiscrepancySnapshot(hub.sql), run };
  }, 600_000);

  afterAll(async () => {
    await killAllFaultChildren();
    for (const hub of hubs) await hub.close().catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('one worker runs every township part, links first, and raises the county\'s discrepancies', async () => {
    expect(one.run.status).toBe('done');
    expect(one.run.raised).toBeGreaterThan(10);
    expect(one.run.cards_read).toBeGreaterThan(0);
    const parts = await hubs[0].sql(`SELECT phase, count(*)::int AS n, count(done_at)::int AS done, sum((counts->>'parts')::int)::int AS pages FROM reconciliation_run_part GROUP BY phase ORDER BY phase`);
    expect(parts[0].phase).toBe('decide');
    expect(parts[0].n).toBeGreaterThan(3);
    expect(parts[0].pages).toBeGreaterThan(parts[0].n); // pages of 20: most townships take several
    expect(parts.map((p) => p.done)).toEqual(parts.map((p) => p.n));
    // The county read into memory at once finds exactly what the parts found: it changes nothing.
    const inMemory = await hubs[0].worker!.get(ReconciliationService).run({ trigger: 'cli', inParts: false });
    expect({ raised: inMemory.raised, reopened: inMemory.reopened, changed: inMemory.changed, closed: inMemory.closedByData, persons: inMemory.persons })
      .toEqual({ raised: 0, reopened: 0, changed: 0, closed: 0, persons: one.run.persons_read });
    // Operators follow it: `sanxian reconcile runs` says how far each run in parts went.
    const listed = runCli(['reconcile', 'runs', '--limit', '2', '--json'], hubs[0].env);
    expect(listed.status).toBe(0);
    expect(JSON.parse(listed.stdout)[1]).toMatchObject({ mode: 'full', trigger: 'on-demand', status: 'done', parts: { townships: parts[0].n, linked: parts[0].n, decided: parts[0].n } });
    expect(runCli(['reconcile', 'runs', '--limit', '2'], hubs[0].env).stdout).toMatch(new RegExp(`done \\(${parts[0].n}/${parts[0].n} townships decided\\)`));
  });

  it('two worker processes share the parts and end with exactly the same discrepancies and counts', async () => {
    const hub = await countyHub(false);
    const workers: ManagedProcess[] = [];
    // Logging at info: each says which parts it ended.
    const env = { ...hub.env, LOG_LEVEL: 'info' };
    workers.push(await startHubProcess('worker', env), await startHubProcess('worker', env));
    await push(hub);
    const run = await fullRun(hub);
    expect(run).toEqual(one.run);
    expect(await openDiscrepancySnapshot(hub.sql)).toEqual(one.snapshot);
    // Both took decide parts (each logs the parts it ends).
    for (const worker of workers) expect(worker.output()).toMatch(/decide part of township \d{9} done/);
    for (const worker of workers) await worker.kill('SIGTERM');
  });

  it('a worker SIGKILLed in the middle of a decide part leaves a run that a new worker completes with the same result', async () => {
    const hub = await countyHub(false);
    let worker: ManagedProcess = await startHubProcess('worker', hub.env);
    await push(hub);
    let killedAt: { decided: number; pending: number } | undefined;
    const run = await fullRun(hub, async () => {
      // Some decide pages committed, and the current part not done: mid-run, mid-part.
      const [state] = await hub.sql(
        `SELECT count(*) FILTER (WHERE done_at IS NOT NULL)::int AS decided,
                count(*) FILTER (WHERE done_at IS NULL AND (after_card IS NOT NULL OR after_fact IS NOT NULL))::int AS midway,
                count(*) FILTER (WHERE done_at IS NULL)::int AS pending
         FROM reconciliation_run_part WHERE phase = 'decide'`);
      if (state.midway === 0 || killedAt !== undefined) return killedAt !== undefined;
      await worker.kill('SIGKILL');
      killedAt = { decided: state.decided, pending: state.pending };
      // The run cannot end without the part the dead worker held: it waits, nothing is lost.
      const [running] = await hub.sql(`SELECT status FROM reconciliation_run ORDER BY id DESC LIMIT 1`);
      expect(running.status).toBe('running');
      worker = await startHubProcess('worker', hub.env);
      return true;
    });
    expect(killedAt).toBeDefined();
    expect(killedAt!.pending).toBeGreaterThan(0);
    expect(run).toEqual(one.run); // counted once: a resumed part starts after its last committed page
    expect(await openDiscrepancySnapshot(hub.sql)).toEqual(one.snapshot);
    await worker.kill('SIGTERM');
  });
});
