import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Agency } from '@sanxian/contracts';

/** A record received more than this many (China calendar) days after its event is late, as the timeliness indicator counts it. */
export const LATE_AFTER_DAYS = 30;

/** Days of receipt, China time, both ends included; `agency` narrows to one sending agency. */
export interface MonitorPeriod {
  from: string;
  to: string;
  agency?: string | null;
}

/** One agency's intake on one day of receipt. */
export interface MonitorDayRow {
  day: string;
  agency: Agency;
  received: number;
  /** Of `received`: an initial load or a history import, never late. */
  initialLoad: number;
  late: number;
  rejected: number;
}

/** One station's intake over the period; `stationCode` null for records without one (or not processed yet). */
export interface MonitorStationRow {
  agency: Agency;
  stationCode: string | null;
  received: number;
  /** Of `received`: an initial load or a history import, never late. */
  initialLoad: number;
  late: number;
  rejected: number;
}

/** Why records were refused: one error code at one field, for one agency and kind. */
export interface RejectionReasonRow {
  agency: Agency;
  kind: string;
  code: string;
  path: string;
  /** One message the hub gave for it, as an example. */
  example: string | null;
  count: number;
}

export interface MonitorRejection {
  id: string;
  clientId: string;
  agency: Agency;
  kind: string;
  recordId: string | null;
  stationCode: string | null;
  eventDate: string | null;
  errors: { path?: string; code?: string; message?: string }[];
  receivedAt: Date;
}

export interface MonitorDeadMessage {
  messageId: string;
  clientId: string;
  agency: Agency;
  kind: string;
  recordId: string;
  batchId: string;
  receivedAt: Date;
  diedAt: Date;
  error: string | null;
}

/** The station code the facts carry, as the timeliness indicator reads it ('' when none). */
const STATION_SQL = `COALESCE(f.detail->>'policeStation', f.detail->>'facility', f.detail->>'registrationOffice', '')`;
/** The receipt day of a row aliased `x`, in China. */
const DAY_SQL = (x: string) => `(${x}.received_at AT TIME ZONE 'Asia/Shanghai')::date`;
/** Rows of `x` received on the period's days ($1, $2, China time): a range on the timestamp itself. */
const IN_PERIOD_SQL = (x: string) =>
  `${x}.received_at >= ($1::date)::timestamp AT TIME ZONE 'Asia/Shanghai' AND ${x}.received_at < ($2::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'`;
/** The agency filter ($3, NULL for every agency) on the client aliased `c`. */
const AGENCY_SQL = `($3::text IS NULL OR c.agency = $3)`;
/** A record of the regular flow received too long after its event (its batch `b`: loads are never late). */
const LATE_SQL = `b.load = 'regular' AND ${DAY_SQL('m')} - m.event_date > ${LATE_AFTER_DAYS}`;
const LOAD_SQL = `b.load <> 'regular'`;

/**
 * The exchange monitor's reads: what each agency and station sent per day of receipt, what was
 * late and what was refused and why, and the messages that failed every processing attempt. Read
 * straight from the message log, the refusals kept at intake and the dead letters.
 */
@Injectable()
export class MonitorRepository {
  constructor(private readonly db: DataSource) {}

  /** Records received, late and refused per day of receipt and agency (days without any are absent). */
  async days(p: MonitorPeriod): Promise<MonitorDayRow[]> {
    const rows = await this.db.query(
      `WITH received AS (
         SELECT ${DAY_SQL('m')} AS day, c.agency, count(*)::int AS received, count(*) FILTER (WHERE ${LOAD_SQL})::int AS initial_load,
           count(*) FILTER (WHERE ${LATE_SQL})::int AS late
         FROM inbound_message m JOIN exchange_client c ON c.id = m.client_id JOIN intake_batch b ON b.id = m.batch_id
         WHERE ${IN_PERIOD_SQL('m')} AND ${AGENCY_SQL}
         GROUP BY 1, 2),
       rejected AS (
         SELECT ${DAY_SQL('r')} AS day, c.agency, count(*)::int AS rejected
         FROM intake_rejection r JOIN exchange_client c ON c.id = r.client_id
         WHERE ${IN_PERIOD_SQL('r')} AND ${AGENCY_SQL}
         GROUP BY 1, 2)
       SELECT to_char(COALESCE(a.day, b.day), 'YYYY-MM-DD') AS day, COALESCE(a.agency, b.agency) AS agency,
         COALESCE(a.received, 0) AS received, COALESCE(a.initial_load, 0) AS initial_load, COALESCE(a.late, 0) AS late, COALESCE(b.rejected, 0) AS rejected
       FROM received a FULL JOIN rejected b ON b.day = a.day AND b.agency = a.agency
       ORDER BY 1, 2`,
      [p.from, p.to, p.agency ?? null],
    );
    return rows.map((r: Record<string, any>) => ({ day: r.day, agency: r.agency, received: r.received, initialLoad: r.initial_load, late: r.late, rejected: r.rejected }));
  }

  /** Records received, late and refused over the period per agency and station code. */
  async stations(p: MonitorPeriod): Promise<MonitorStationRow[]> {
    const rows = await this.db.query(
      `WITH received AS (
         SELECT c.agency, ${STATION_SQL} AS station, count(*)::int AS received, count(*) FILTER (WHERE ${LOAD_SQL})::int AS initial_load,
           count(*) FILTER (WHERE ${LATE_SQL})::int AS late
         FROM inbound_message m JOIN exchange_client c ON c.id = m.client_id JOIN intake_batch b ON b.id = m.batch_id
         LEFT JOIN canonical_fact f ON f.message_id = m.id AND f.ordinal = 0 AND f.role IN ('subject', 'party-a', 'child')
         WHERE ${IN_PERIOD_SQL('m')} AND ${AGENCY_SQL}
         GROUP BY 1, 2),
       rejected AS (
         SELECT c.agency, COALESCE(r.station_code, '') AS station, count(*)::int AS rejected
         FROM intake_rejection r JOIN exchange_client c ON c.id = r.client_id
         WHERE ${IN_PERIOD_SQL('r')} AND ${AGENCY_SQL}
         GROUP BY 1, 2)
       SELECT COALESCE(a.agency, b.agency) AS agency, NULLIF(COALESCE(a.station, b.station), '') AS station,
         COALESCE(a.received, 0) AS received, COALESCE(a.initial_load, 0) AS initial_load, COALESCE(a.late, 0) AS late, COALESCE(b.rejected, 0) AS rejected
       FROM received a FULL JOIN rejected b ON b.agency = a.agency AND b.station = a.station
       ORDER BY 1, COALESCE(a.station, b.station) = '', 2`,
      [p.from, p.to, p.agency ?? null],
    );
    return rows.map((r: Record<string, any>) => ({ agency: r.agency, stationCode: r.station, received: r.received, initialLoad: r.initial_load, late: r.late, rejected: r.rejected }));
  }

  /** The reasons records were refused in the period: each error code at each field, most frequent first. */
  async rejectionReasons(p: MonitorPeriod, limit = 100): Promise<RejectionReasonRow[]> {
    const rows = await this.db.query(
      `SELECT c.agency, r.kind, COALESCE(e->>'code', 'invalid') AS code, COALESCE(e->>'path', '') AS path, min(e->>'message') AS example, count(*)::int AS count
       FROM intake_rejection r JOIN exchange_client c ON c.id = r.client_id
       CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(r.errors) = 'array' THEN r.errors ELSE '[]'::jsonb END) AS e
       WHERE ${IN_PERIOD_SQL('r')} AND ${AGENCY_SQL}
       GROUP BY 1, 2, 3, 4
       ORDER BY count(*) DESC, 1, 2, 3, 4
       LIMIT $4`,
      [p.from, p.to, p.agency ?? null, limit],
    );
    return rows.map((r: Record<string, any>) => ({ agency: r.agency, kind: r.kind, code: r.code, path: r.path, example: r.example, count: r.count }));
  }

  /** The latest refusals of the period, newest first. */
  async recentRejections(p: MonitorPeriod, limit = 100): Promise<MonitorRejection[]> {
    const rows = await this.db.query(
      `SELECT r.id::text AS id, r.client_id, c.agency, r.kind, r.record_id, r.station_code, to_char(r.event_date, 'YYYY-MM-DD') AS event_date, r.errors, r.received_at
       FROM intake_rejection r JOIN exchange_client c ON c.id = r.client_id
       WHERE ${IN_PERIOD_SQL('r')} AND ${AGENCY_SQL}
       ORDER BY r.received_at DESC, r.id DESC
       LIMIT $4`,
      [p.from, p.to, p.agency ?? null, limit],
    );
    return rows.map((r: Record<string, any>) => ({
      id: r.id, clientId: r.client_id, agency: r.agency, kind: r.kind, recordId: r.record_id, stationCode: r.station_code, eventDate: r.event_date,
      errors: Array.isArray(r.errors) ? r.errors : [], receivedAt: r.received_at,
    }));
  }

  /** Messages dead now (whenever received), per agency. */
  async deadCounts(agency: string | null): Promise<{ agency: string; dead: number }[]> {
    const rows = await this.db.query(
      `SELECT c.agency, count(*)::int AS dead
       FROM dead_letter d JOIN inbound_message m ON m.id = d.message_id JOIN exchange_client c ON c.id = m.client_id
       WHERE $1::text IS NULL OR c.agency = $1
       GROUP BY 1 ORDER BY 1`,
      [agency],
    );
    return rows.map((r: Record<string, any>) => ({ agency: r.agency, dead: r.dead }));
  }

  /** Messages dead now, the latest deaths first, with the error of the last attempt. */
  async dead(agency: string | null, limit = 200): Promise<MonitorDeadMessage[]> {
    const rows = await this.db.query(
      `SELECT m.id, m.client_id, c.agency, m.kind, m.record_id, m.batch_id, m.received_at, d.died_at, d.error
       FROM dead_letter d JOIN inbound_message m ON m.id = d.message_id JOIN exchange_client c ON c.id = m.client_id
       WHERE $1::text IS NULL OR c.agency = $1
       ORDER BY d.died_at DESC, m.id
       LIMIT $2`,
      [agency, limit],
    );
    return rows.map((r: Record<string, any>) => ({
      messageId: r.id, clientId: r.client_id, agency: r.agency, kind: r.kind, recordId: r.record_id, batchId: r.batch_id,
      receivedAt: r.received_at, diedAt: r.died_at, error: r.error,
    }));
  }
}
