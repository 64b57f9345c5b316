import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { checkCharacter } from '@sanxian/domain';
import { pushFile } from '@sanxian/exchange-client';
import { percentile } from './intake.bench';

/**
 * The time from a batch's commit to its discrepancies, measured from the outside: the bench pushes a batch through
 * the API, sees the worker commit it (intake_batch.processed_at set), then polls until every record of the batch is
 * cited by a discrepancy. Whatever the hub does in between (today a full run when the quiet window after intake ends;
 * an incremental run, or a flow of township jobs, after the work of issue 16) is the hub's business: only the
 * database's visible state is read, so the measure stays the same when the hub's mechanism changes.
 *
 * Each batch is `size` hukou move-ins of women of 22–47 from outside the province (ids of 650102, 乌鲁木齐市天山区,
 * which the synthetic county never uses; surnames it never draws), none of whom has a card: each record raises one
 * `moved-in-not-registered` (or, were linkage unsure, one `unlinked-record`), whose evidence cites it.
 */

const BIRTH_DAYS = 9000; // birth dates from 1978-01-01 on: women of 22–47 in 2025
const FROM_REGION = '650102';
const SURNAMES = ['欧阳', '司马', '上官', '诸葛', '东方', '皇甫', '尉迟', '公孙'];
const GIVEN = ['瑾', '瑜', '璇', '琪', '瑶', '璐', '琳', '珂', '玥', '琦', '婕', '妤', '嫣', '姝', '婳', '娅', '菁', '蕾', '蓓', '蕊'];
const POLL_MS = 50;
/** The evidence check scans the discrepancy table: at most this often, besides right after a run finishes. */
const EVIDENCE_CHECK_MS = 1000;
/** Once a run that started after the commit has finished, a count that holds this long is taken as the batch's all. */
const SETTLE_MS = 5000;

export interface LatencyOptions {
  db: Client;
  url: string;
  client: { clientId: string; secret: string };
  tempDir: string;
  /** The county's hukou-changes file: its first move-in is the template (police station, shape). */
  hukouFile: string;
  asOf: string;
  batches: number;
  size: number;
  /** Upper bound on one batch's wait, commit to discrepancies. */
  timeoutMs: number;
}

export interface BatchLatency {
  batch: number;
  records: number;
  /** Push start → the worker's commit, s. */
  pushToCommitSeconds: number;
  /** Commit → every record cited by a discrepancy, s: the figure. */
  latencySeconds: number;
  /** Discrepancies citing the batch's records when the wait ended (= records unless settled short). */
  cited: number;
  /** The first reconciliation_run that started after the commit: how long after it, how long it ran, what it recorded. */
  run?: { startedAfterCommitSeconds: number; runSeconds: number | null; trigger: string; counts: unknown };
}

function addDays(iso: string, days: number): string {
  return new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

async function firstMoveIn(file: string): Promise<Record<string, any>> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      const record = line ? (JSON.parse(line) as Record<string, any>) : undefined;
      if (record?.changeType === 'move-in' && record.policeStation) return record;
    }
  } finally {
    lines.close();
  }
  throw new Error(`${file} has no move-in to take as a template`);
}

/** The batch's records, one NDJSON line each: serials from `first` on, unique across batches. */
export function movedInWomen(template: Record<string, any>, villages: string[], asOf: string, tag: string, batch: number, first: number, size: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < size; i++) {
    const k = first + i;
    const seq = 2 + 2 * Math.floor(k / BIRTH_DAYS); // even: a woman
    if (seq > 998) throw new Error('too many latency records for unique ids: fewer batches or smaller ones');
    const birthDate = addDays('1978-01-01', k % BIRTH_DAYS);
    const first17 = FROM_REGION + birthDate.replace(/-/g, '') + String(seq).padStart(3, '0');
    const eventDate = addDays(asOf, -(k % 180));
    const village = villages[k % villages.length];
    const name = SURNAMES[k % SURNAMES.length] + GIVEN[Math.floor(k / SURNAMES.length) % GIVEN.length] + GIVEN[Math.floor(k / (SURNAMES.length * GIVEN.length)) % GIVEN.length];
    lines.push(JSON.stringify({
      ...template,
      recordId: `BENCH-LAT-${tag}-${batch}-${i}`,
      eventDate,
      reportedAt: `${addDays(eventDate, 1)}T10:00:00+08:00`,
      regionCode: village,
      person: { citizenId: first17 + checkCharacter(first17), name, sex: 'F', birthDate },
      fromRegionCode: FROM_REGION,
      toRegionCode: village,
      householdId: `65${String(k).padStart(8, '0')}`,
    }));
  }
  return lines;
}

async function untilNoRunRunning(db: Client, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while ((await db.query(`SELECT 1 FROM reconciliation_run WHERE status = 'running' LIMIT 1`)).rowCount) {
    if (performance.now() > deadline) throw new Error(`a reconciliation run is still running after ${timeoutMs / 60_000} minutes`);
    await sleep(200);
  }
}

/** Pushes `batches` batches one after the other, each once the previous one's discrepancies are visible and no run is running. */
export async function measureBatchLatencies(options: LatencyOptions, onBatch: (b: BatchLatency) => void = () => undefined): Promise<BatchLatency[]> {
  const { db, size } = options;
  const template = await firstMoveIn(options.hukouFile);
  const villages = (await db.query(`SELECT DISTINCT region_code FROM registry_woman ORDER BY 1 LIMIT 500`)).rows.map((r) => r.region_code as string);
  if (!villages.length) throw new Error('the registry has no villages to move into');
  const tag = Date.now().toString(36);
  const results: BatchLatency[] = [];
  const seen = new Set<string>((await db.query(`SELECT id FROM intake_batch WHERE client_id = $1`, [options.client.clientId])).rows.map((r) => r.id as string));
  for (let batch = 1; batch <= options.batches; batch++) {
    await untilNoRunRunning(db, options.timeoutMs);
    const file = join(options.tempDir, `latency-${batch}.ndjson`);
    await writeFile(file, movedInWomen(template, villages, options.asOf, tag, batch, (batch - 1) * size, size).join('\n') + '\n');

    const pushStarted = performance.now();
    const summary = await pushFile({ kind: 'hukou-change', file, url: options.url, clientId: options.client.clientId, secret: options.client.secret, batchSize: size, concurrency: 1, rejectionsFile: join(options.tempDir, `latency-${batch}.rejections.ndjson`) });
    if (summary.accepted !== size) throw new Error(`latency batch ${batch}: ${summary.accepted} of ${size} accepted (${summary.rejected} rejected; see ${summary.rejectionsFile})`);
    const ids = (await db.query(`SELECT id FROM intake_batch WHERE client_id = $1`, [options.client.clientId])).rows.map((r) => r.id as string).filter((id) => !seen.has(id));
    ids.forEach((id) => seen.add(id));

    // The commit: the moment the bench sees the worker's transaction (processed_at is that transaction's start).
    let processedAt: Date;
    let deadline = performance.now() + options.timeoutMs;
    for (;;) {
      const [row] = (await db.query(
        `SELECT bool_and(processed_at IS NOT NULL OR dead_at IS NOT NULL) AS done, bool_or(dead_at IS NOT NULL) AS dead, max(processed_at) AS at FROM intake_batch WHERE id = ANY($1::uuid[])`, [ids])).rows;
      if (row.dead) throw new Error(`latency batch ${batch} went dead`);
      if (row.done) {
        processedAt = row.at as Date;
        break;
      }
      if (performance.now() > deadline) throw new Error(`latency batch ${batch} not processed after ${options.timeoutMs / 60_000} minutes`);
      await sleep(POLL_MS);
    }
    const committed = performance.now();

    // Its discrepancies: checked right after each run that finishes, and every second besides (a mechanism without runs).
    const like = `%"BENCH-LAT-${tag}-${batch}-%`;
    deadline = committed + options.timeoutMs;
    let finishedRuns = 0;
    let lastCheck = 0;
    let cited = 0;
    let citedAt = committed;
    let settledSince: number | undefined;
    for (;;) {
      const [runs] = (await db.query(`SELECT count(*)::int AS n FROM reconciliation_run WHERE started_at >= $1 AND status <> 'running'`, [processedAt])).rows;
      const now = performance.now();
      if (runs.n > finishedRuns || now - lastCheck >= EVIDENCE_CHECK_MS) {
        finishedRuns = runs.n;
        lastCheck = now;
        const [row] = (await db.query(`SELECT count(*)::int AS n FROM discrepancy WHERE evidence->>'recordIds' LIKE $1`, [like])).rows;
        const checkedAt = performance.now();
        if (row.n !== cited) {
          cited = row.n;
          citedAt = checkedAt;
          settledSince = undefined;
        }
        if (cited >= size) break;
        if (finishedRuns > 0 && cited > 0) {
          settledSince ??= checkedAt;
          if (checkedAt - settledSince >= SETTLE_MS) {
            console.warn(`  batch ${batch}: ${cited} of ${size} records cited by a discrepancy; taken as the batch's all`);
            break;
          }
        }
      }
      if (now > deadline) throw new Error(`latency batch ${batch}: ${cited} of ${size} records cited by a discrepancy after ${options.timeoutMs / 60_000} minutes`);
      await sleep(POLL_MS);
    }

    const [run] = (await db.query(
      `SELECT trigger, counts, extract(epoch FROM started_at - $1::timestamptz)::float AS after, extract(epoch FROM finished_at - started_at)::float AS took
       FROM reconciliation_run WHERE started_at >= $1 ORDER BY started_at, id LIMIT 1`, [processedAt])).rows;
    const result: BatchLatency = {
      batch, records: size, pushToCommitSeconds: (committed - pushStarted) / 1000, latencySeconds: (citedAt - committed) / 1000, cited,
      run: run ? { startedAfterCommitSeconds: run.after, runSeconds: run.took, trigger: run.trigger, counts: run.counts } : undefined,
    };
    results.push(result);
    onBatch(result);
  }
  return results;
}

export function summariseLatencies(batches: BatchLatency[]) {
  const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
  const latency = sorted(batches.map((b) => b.latencySeconds));
  const runStart = sorted(batches.flatMap((b) => (b.run ? [b.run.startedAfterCommitSeconds] : [])));
  const runTime = sorted(batches.flatMap((b) => (b.run?.runSeconds != null ? [b.run.runSeconds] : [])));
  return {
    batches: batches.length,
    p50: percentile(latency, 0.5), p95: percentile(latency, 0.95), min: latency[0], max: latency.at(-1)!,
    runStartedAfterCommitP50: percentile(runStart, 0.5), runSecondsP50: percentile(runTime, 0.5),
    // Each batch adds its facts to the county: a run that reads them all grows from the first batch to the last.
    runSecondsFirst: batches[0]?.run?.runSeconds ?? NaN, runSecondsLast: batches.at(-1)?.run?.runSeconds ?? NaN,
    pushToCommitP50: percentile(sorted(batches.map((b) => b.pushToCommitSeconds)), 0.5),
  };
}
