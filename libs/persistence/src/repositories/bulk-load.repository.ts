import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { Agency, IntakeLoad } from '@sanxian/contracts';

/** A client's bulk load: its deliveries marked `load=initial|history` since its last load ended. */
export interface BulkLoad {
  clientId: string;
  agency: Agency;
  clientName: string;
  /** The marks its deliveries carried. */
  loads: Exclude<IntakeLoad, 'regular'>[];
  openedAt: Date;
  lastDeliveryAt: Date;
  batches: number;
  records: number;
}

export interface OpenBulkLoad extends BulkLoad {
  /** When it ends by itself if nothing more is sent (last delivery + the quiet time). */
  quietEndsAt: Date;
  /** Of its batches, those the worker has not finished yet. */
  pendingBatches: number;
}

export interface EndedBulkLoad extends BulkLoad {
  endedAt: Date;
}

/**
 * The client's non-regular batches since its last declared end ($1 the quiet time in ms), grouped
 * into runs (a gap of the quiet time or more starts a new run); the last run of each client is its
 * current load, open while its last delivery is younger than the quiet time.
 */
const CURRENT_LOADS_SQL = `
  WITH ends AS (SELECT client_id, max(ended_at) AS ended_at FROM bulk_load_end GROUP BY client_id),
  batches AS (
    SELECT b.client_id, b.load, b.created_at, b.record_count, b.processed_at IS NULL AND b.dead_at IS NULL AS pending,
      lag(b.created_at) OVER (PARTITION BY b.client_id ORDER BY b.created_at) AS previous
    FROM intake_batch b LEFT JOIN ends e ON e.client_id = b.client_id
    WHERE b.load <> 'regular' AND ($2::text IS NULL OR b.client_id = $2) AND (e.ended_at IS NULL OR b.created_at > e.ended_at)
  ),
  starts AS (
    SELECT client_id, max(created_at) AS started FROM batches
    WHERE previous IS NULL OR created_at - previous >= $1 * interval '1 millisecond' GROUP BY client_id
  )
  SELECT b.client_id, c.agency, c.name, array_agg(DISTINCT b.load ORDER BY b.load) AS loads, min(b.created_at) AS opened_at,
    max(b.created_at) AS last_delivery_at, count(*)::int AS batches, sum(b.record_count)::int AS records,
    count(*) FILTER (WHERE b.pending)::int AS pending_batches,
    max(b.created_at) + $1 * interval '1 millisecond' AS quiet_ends_at,
    max(b.created_at) + $1 * interval '1 millisecond' > now() AS open
  FROM batches b JOIN starts s ON s.client_id = b.client_id AND b.created_at >= s.started
  JOIN exchange_client c ON c.id = b.client_id
  GROUP BY b.client_id, c.agency, c.name`;

/**
 * Bulk loads: read from the intake batches' marks; a client's declaration that its load is
 * complete is the one thing written (bulk_load_end, append-only).
 */
@Injectable()
export class BulkLoadRepository {
  constructor(private readonly db: DataSource) {}

  /** Every open bulk load, oldest first. */
  async open(quietMs: number): Promise<OpenBulkLoad[]> {
    const rows = await this.db.query(CURRENT_LOADS_SQL, [quietMs, null]);
    return rows.filter((r: Row) => r.open).map(openLoad).sort((a: OpenBulkLoad, b: OpenBulkLoad) => a.openedAt.getTime() - b.openedAt.getTime());
  }

  /** Batches of bulk loads, open or ended, that the worker has not finished yet. */
  async pendingBatches(): Promise<number> {
    const [row] = await this.db.query(`SELECT count(*)::int AS n FROM intake_batch WHERE load <> 'regular' AND processed_at IS NULL AND dead_at IS NULL`);
    return row.n;
  }

  /**
   * Ends the client's open load, as it declares; undefined when none is open (never declared, already
   * declared, or ended by its quiet time). One declaration per load: a lock on the client serialises two.
   */
  async end(clientId: string, quietMs: number): Promise<EndedBulkLoad | undefined> {
    return this.db.transaction(async (tx: EntityManager) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('bulk-load:' || $1))`, [clientId]);
      const [row] = await tx.query(CURRENT_LOADS_SQL, [quietMs, clientId]);
      if (!row?.open) return undefined;
      const [ended] = await tx.query(
        `INSERT INTO bulk_load_end (client_id, opened_at, last_delivery_at, loads, batches, records) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ended_at`,
        [clientId, row.opened_at, row.last_delivery_at, row.loads, row.batches, row.records],
      );
      return { ...bulkLoad(row), endedAt: ended.ended_at };
    });
  }

  /** The client's last declared end, if any. */
  async lastEnded(clientId: string): Promise<EndedBulkLoad | undefined> {
    const [row] = await this.db.query(
      `SELECT e.client_id, c.agency, c.name, e.loads, e.opened_at, e.last_delivery_at, e.batches, e.records, e.ended_at
       FROM bulk_load_end e JOIN exchange_client c ON c.id = e.client_id WHERE e.client_id = $1 ORDER BY e.ended_at DESC, e.id DESC LIMIT 1`,
      [clientId],
    );
    return row ? { ...bulkLoad(row), endedAt: row.ended_at } : undefined;
  }
}

type Row = Record<string, any>;

function bulkLoad(r: Row): BulkLoad {
  return {
    clientId: r.client_id, agency: r.agency, clientName: r.name, loads: r.loads, openedAt: r.opened_at,
    lastDeliveryAt: r.last_delivery_at, batches: r.batches, records: r.records,
  };
}

function openLoad(r: Row): OpenBulkLoad {
  return { ...bulkLoad(r), quietEndsAt: r.quiet_ends_at, pendingBatches: r.pending_batches };
}
