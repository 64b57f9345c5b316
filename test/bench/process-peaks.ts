import { readFile, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';

/**
 * Peak memory of every process a benchmark phase involves, measured from the outside:
 * - Node processes the bench started (api, worker) and the bench itself: their kernel high-water mark (VmHWM), reset
 *   at the start of the phase (`/proc/<pid>/clear_refs` ← 5), so that the figure is the phase's, not the process's
 *   lifetime's (the worker's peak while loading a county says nothing of a reconciliation after it);
 * - PostgreSQL's backends serving the bench's database (found in pg_stat_activity, sampled every 250 ms): their private
 *   memory (RssAnon), the largest one and the largest sum at one moment. A backend's whole RSS would count the shared
 *   buffers it touched, which every backend shares: that is reported apart, as the largest RSS of one backend.
 */
export interface PhasePeaks {
  /** MB, VmHWM since the phase started (or since the process started, where the reset was refused: see `reset`). */
  processes: Record<string, number>;
  postgres: { backendsSeen: number; peakSumPrivateMb: number; peakBackendPrivateMb: number; peakBackendRssMb: number };
  /** Whether every named process's high-water mark could be reset at the start. */
  reset: boolean;
}

const SAMPLE_MS = 250;

async function statusKb(pid: number | 'self', field: string): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const match = status === undefined ? null : new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) : undefined;
}

export class PeakSampler {
  private stopped = false;
  private loop?: Promise<void>;
  private readonly hwmKb = new Map<string, number>();
  private pg = { backends: new Set<number>(), peakSumKb: 0, peakBackendKb: 0, peakBackendRssKb: 0 };
  private reset = true;

  /** `db` is a connection of the sampler's own (its backend is left out of the figures). */
  private constructor(private readonly db: Client, private readonly database: string, private readonly processes: Record<string, number | 'self'>) {}

  static async start(connectionString: string, database: string, processes: Record<string, number | 'self'>): Promise<PeakSampler> {
    const db = new Client({ connectionString });
    await db.connect();
    const sampler = new PeakSampler(db, database, processes);
    for (const pid of Object.values(processes)) {
      await writeFile(`/proc/${pid}/clear_refs`, '5').catch(() => (sampler.reset = false));
    }
    sampler.loop = sampler.run();
    return sampler;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      await this.sample().catch(() => undefined); // a process or backend that ended between the listing and the read
      await sleep(SAMPLE_MS);
    }
  }

  private async sample(): Promise<void> {
    // Named processes: their high-water mark only grows, but a process that exits before the phase ends keeps its last.
    for (const [name, pid] of Object.entries(this.processes)) {
      const kb = await statusKb(pid, 'VmHWM');
      if (kb !== undefined) this.hwmKb.set(name, Math.max(this.hwmKb.get(name) ?? 0, kb));
    }
    const { rows } = await this.db.query(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [this.database]);
    let sumKb = 0;
    for (const { pid } of rows as { pid: number }[]) {
      const [anon, rss] = await Promise.all([statusKb(pid, 'RssAnon'), statusKb(pid, 'VmRSS')]);
      if (anon === undefined || rss === undefined) continue;
      this.pg.backends.add(pid);
      sumKb += anon;
      this.pg.peakBackendKb = Math.max(this.pg.peakBackendKb, anon);
      this.pg.peakBackendRssKb = Math.max(this.pg.peakBackendRssKb, rss);
    }
    this.pg.peakSumKb = Math.max(this.pg.peakSumKb, sumKb);
  }

  async stop(): Promise<PhasePeaks> {
    this.stopped = true;
    await this.loop;
    await this.sample().catch(() => undefined);
    await this.db.end().catch(() => undefined);
    const mb = (kb: number) => kb / 1024;
    return {
      processes: Object.fromEntries([...this.hwmKb].map(([name, kb]) => [name, mb(kb)])),
      postgres: { backendsSeen: this.pg.backends.size, peakSumPrivateMb: mb(this.pg.peakSumKb), peakBackendPrivateMb: mb(this.pg.peakBackendKb), peakBackendRssMb: mb(this.pg.peakBackendRssKb) },
      reset: this.reset,
    };
  }
}

/** "api 350 / worker 280 / bench 120 MB; PostgreSQL private 40 MB (largest backend 25 MB)". */
export function describePeaks(peaks: PhasePeaks, extra: Record<string, number> = {}): string {
  const named = Object.entries({ ...extra, ...peaks.processes }).map(([name, mb]) => `${name} ${mb.toFixed(0)}`).join(' / ');
  const pg = peaks.postgres;
  return `${named} MB; PostgreSQL ${pg.backendsSeen} backend(s): private ${pg.peakSumPrivateMb.toFixed(0)} MB at most together, ${pg.peakBackendPrivateMb.toFixed(0)} MB the largest (RSS with shared buffers ${pg.peakBackendRssMb.toFixed(0)} MB)${peaks.reset ? '' : ' [peaks since process start: reset refused]'}`;
}
