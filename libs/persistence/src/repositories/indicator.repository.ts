import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PersonalDataCipher } from '../personal-data-cipher';

/** One measure for one group (a village, an agency, a station code): what an indicator is made of. */
export interface MeasureRow {
  /** Region code (a village's, or a township's where the record names no village), agency, or station code, by measure. */
  group: string;
  numerator: number;
  denominator: number;
  /** `message:<uuid>`, `discrepancy:<uuid>`, `card:<cardId>`: the records behind the numbers. */
  evidence: string[];
}

export interface Period {
  from: string;
  to: string;
  /** Discrepancies falling due after this day are not yet counted. */
  asOf: string;
}

export interface StoredIndicatorValue {
  indicatorId: string;
  unitId: string;
  checkId: string;
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  evidence: string[];
  note: string | null;
}

/** Discrepancy kinds that mean "the registry lacks an event an agency confirmed". */
const MISSING_EVENT_KINDS = ['birth-not-in-registry', 'marital-status-conflict', 'moved-out-still-registered', 'death-not-reflected'];

/** The station a record names (police station, facility, registration office), `''` for none. */
const STATION_OF_FACT = `COALESCE(f.detail->>'policeStation', f.detail->>'facility', f.detail->>'registrationOffice', '')`;

/** Agency kinds: what departments send (the FP registry is not scored on the department line). */
const AGENCY_KINDS = ['hukou-change', 'marriage-record', 'birth-notice'];

/**
 * The set-based measures behind the hub's computed indicators: each one statement over the
 * facts, the registry and the discrepancies, grouped by village (a township's measure is the sum
 * of its villages', by code prefix), agency or station, with the
 * ids of the records counted so any number can be drilled down to them.
 */
@Injectable()
export class IndicatorRepository {
  constructor(
    private readonly db: DataSource,
    private readonly pii: PersonalDataCipher,
  ) {}

  /** Live births by the mother's village: birth notices, and card children health never notified. */
  births(p: Period): Promise<MeasureRow[]> {
    return this.grouped(
      `SELECT f.region_code AS grp, 1 AS num, 1 AS den, 'message:' || f.message_id AS ev
       FROM canonical_fact f WHERE f.kind = 'birth-notice' AND f.role = 'mother' AND f.event_date BETWEEN $1 AND $2
       UNION ALL
       SELECT d.region_code, 1, 1, 'discrepancy:' || d.id FROM discrepancy d
       WHERE d.kind = 'birth-not-notified' AND d.status <> 'dismissed' AND (d.subject->>'childBirthDate')::date BETWEEN $1 AND $2`,
      [p.from, p.to],
    );
  }

  /** Deaths registered by the police, by village. */
  deaths(p: Period): Promise<MeasureRow[]> {
    return this.grouped(
      `SELECT f.region_code AS grp, 1 AS num, 1 AS den, 'message:' || f.message_id AS ev
       FROM canonical_fact f WHERE f.kind = 'hukou-change' AND f.event = 'death' AND f.role = 'subject' AND f.event_date BETWEEN $1 AND $2`,
      [p.from, p.to],
    );
  }

  /** Women's cards by village (the registry's share of the county, for population estimates). */
  cards(): Promise<MeasureRow[]> {
    return this.grouped(`SELECT region_code AS grp, 1 AS num, 1 AS den, NULL AS ev FROM registry_woman WHERE residence_status <> 'deceased'`, []);
  }

  /** Card children born in the period: policy-compliant (numerator) of all (denominator), by the card's village. */
  policyCompliantBirths(p: Period): Promise<MeasureRow[]> {
    return this.grouped(
      `SELECT w.region_code AS grp, CASE WHEN c.policy_compliant THEN 1 ELSE 0 END AS num, 1 AS den, 'card:' || c.card_id AS ev
       FROM registry_child c JOIN registry_woman w ON w.card_id = c.card_id WHERE c.birth_date BETWEEN $1 AND $2`,
      [p.from, p.to],
    );
  }

  /** Notified births: boys (numerator) and girls (denominator), by village. */
  birthsBySex(p: Period): Promise<MeasureRow[]> {
    return this.grouped(
      `SELECT f.region_code AS grp, CASE WHEN f.sex = 'M' THEN 1 ELSE 0 END AS num, CASE WHEN f.sex = 'F' THEN 1 ELSE 0 END AS den,
         'message:' || f.message_id AS ev
       FROM canonical_fact f WHERE f.kind = 'birth-notice' AND f.role = 'child' AND f.sex IS NOT NULL AND f.event_date BETWEEN $1 AND $2`,
      [p.from, p.to],
    );
  }

  /** Discrepancies due in the period (and by asOf): closed by their due date (numerator) of all due, by village. */
  discrepanciesDue(p: Period): Promise<MeasureRow[]> {
    return this.grouped(
      `SELECT d.region_code AS grp,
         CASE WHEN d.status <> 'open' AND d.closed_at IS NOT NULL AND (d.closed_at AT TIME ZONE 'Asia/Shanghai')::date <= d.due_at THEN 1 ELSE 0 END AS num,
         1 AS den, 'discrepancy:' || d.id AS ev
       FROM discrepancy d WHERE d.due_at BETWEEN $1 AND LEAST($2::date, $3::date) AND d.kind <> 'unlinked-record'`,
      [p.from, p.to, p.asOf],
    );
  }

  /**
   * Events agencies confirmed about carded women (births, marriages, move-outs, deaths): those
   * the registry reflects (numerator) of all (denominator), by the card's village.
   */
  registryCompleteness(p: Period): Promise<MeasureRow[]> {
    return this.grouped(
      `WITH missing AS (
         SELECT DISTINCT e.message_id::uuid AS message_id FROM discrepancy d
         CROSS JOIN LATERAL jsonb_array_elements_text(d.evidence->'messageIds') AS e(message_id)
         WHERE d.status = 'open' AND d.kind = ANY($3::text[])),
       events AS (
         SELECT DISTINCT w.region_code, f.message_id FROM person_link l
         JOIN canonical_fact f ON f.id = l.fact_id JOIN registry_woman w ON w.card_id = l.card_id
         WHERE l.decision = 'link' AND l.card_role = 'woman' AND f.event_date BETWEEN $1 AND $2
           AND ((f.kind = 'birth-notice' AND f.role = 'mother') OR f.kind = 'marriage-record' OR (f.kind = 'hukou-change' AND f.event IN ('move-out', 'death'))))
       SELECT e.region_code AS grp, CASE WHEN m.message_id IS NULL THEN 1 ELSE 0 END AS num, 1 AS den, 'message:' || e.message_id AS ev
       FROM events e LEFT JOIN missing m ON m.message_id = e.message_id`,
      [p.from, p.to, MISSING_EVENT_KINDS],
    );
  }

  /**
   * Records received within `allowedDays` of their event (numerator) of all received in the
   * period, by the sending agency and by station code — from the exchange log, so no department
   * reports on itself. Records of an initial load or a history import are left out: they were
   * never the regular reporting that timeliness measures.
   */
  async timeliness(p: Period, allowedDays: number): Promise<{ byAgency: MeasureRow[]; byStation: MeasureRow[] }> {
    return this.byAgencyAndStation(
      `SELECT c.agency, ${STATION_OF_FACT} AS station,
         CASE WHEN (m.received_at AT TIME ZONE 'Asia/Shanghai')::date - m.event_date <= $3 THEN 1 ELSE 0 END AS num, 1 AS den,
         'message:' || m.id AS ev
       FROM inbound_message m JOIN exchange_client c ON c.id = m.client_id
       JOIN intake_batch b ON b.id = m.batch_id AND b.load = 'regular'
       LEFT JOIN canonical_fact f ON f.message_id = m.id AND f.ordinal = 0 AND f.role IN ('subject', 'party-a', 'child')
       WHERE m.kind = ANY($4::text[]) AND m.event_date BETWEEN $1 AND $2`,
      [p.from, p.to, allowedDays, AGENCY_KINDS],
    );
  }

  /** Records accepted (numerator) of all submitted, accepted or refused, received in the period: by agency and by station. */
  async validity(p: Period): Promise<{ byAgency: MeasureRow[]; byStation: MeasureRow[] }> {
    return this.byAgencyAndStation(
      `SELECT c.agency, ${STATION_OF_FACT} AS station, 1 AS num, 1 AS den, NULL AS ev
       FROM inbound_message m JOIN exchange_client c ON c.id = m.client_id
       LEFT JOIN canonical_fact f ON f.message_id = m.id AND f.ordinal = 0 AND f.role IN ('subject', 'party-a', 'child')
       WHERE m.kind = ANY($3::text[]) AND (m.received_at AT TIME ZONE 'Asia/Shanghai')::date BETWEEN $1 AND $2
       UNION ALL
       SELECT c.agency, COALESCE(r.station_code, ''), 0, 1, NULL FROM intake_rejection r JOIN exchange_client c ON c.id = r.client_id
       WHERE r.kind = ANY($3::text[]) AND (r.received_at AT TIME ZONE 'Asia/Shanghai')::date BETWEEN $1 AND $2`,
      [p.from, p.to, AGENCY_KINDS],
    );
  }

  /**
   * Coverage: of the events known from any source, those the department itself reported —
   * health: births (notices, and card children without one); public security: the same births
   * registered in a hukou; civil affairs: marriages (its records, and card marriages in the
   * period it never sent).
   */
  async coverage(p: Period): Promise<MeasureRow[]> {
    const [births] = await this.db.query(
      `SELECT
         (SELECT count(*) FROM canonical_fact WHERE kind = 'birth-notice' AND role = 'mother' AND event_date BETWEEN $1 AND $2)::int AS notified,
         (SELECT count(*) FROM discrepancy WHERE kind = 'birth-not-notified' AND status <> 'dismissed'
            AND (subject->>'childBirthDate')::date BETWEEN $1 AND $2)::int AS unnotified,
         (SELECT count(*) FROM canonical_fact WHERE kind = 'hukou-change' AND event = 'birth-registration' AND event_date BETWEEN $1 AND $2)::int AS registered`,
      [p.from, p.to],
    );
    const [marriages] = await this.db.query(
      `SELECT
         (SELECT count(DISTINCT message_id) FROM canonical_fact WHERE kind = 'marriage-record' AND event_date BETWEEN $1 AND $2)::int AS recorded,
         (SELECT count(*) FROM registry_woman w WHERE w.marriage_date BETWEEN $1 AND $2 AND NOT EXISTS (
            SELECT 1 FROM person_link l JOIN canonical_fact f ON f.id = l.fact_id
            WHERE l.card_id = w.card_id AND l.decision = 'link' AND f.kind = 'marriage-record'))::int AS unrecorded`,
      [p.from, p.to],
    );
    const known = births.notified + births.unnotified;
    return [
      { group: 'health', numerator: births.notified, denominator: known, evidence: [] },
      { group: 'public-security', numerator: Math.min(births.registered, known), denominator: known, evidence: [] },
      { group: 'civil-affairs', numerator: marriages.recorded, denominator: marriages.recorded + marriages.unrecorded, evidence: [] },
    ];
  }

  /** Replaces the computed values of a plan's year in one transaction (what assessors entered is elsewhere). */
  async replaceValues(planId: string, year: number, values: readonly StoredIndicatorValue[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(`DELETE FROM indicator_value WHERE plan_id = $1 AND year = $2`, [planId, year]);
      if (!values.length) return;
      await tx.query(
        `INSERT INTO indicator_value (plan_id, year, indicator_id, unit_id, check_id, value, numerator, denominator, evidence, note)
         SELECT $1, $2, v.indicator_id, v.unit_id, v.check_id, v.value, v.numerator, v.denominator,
           ARRAY(SELECT jsonb_array_elements_text(v.evidence)), v.note
         FROM jsonb_to_recordset($3::jsonb) AS v(indicator_id text, unit_id text, check_id text, value float8, numerator float8, denominator float8, evidence jsonb, note text)`,
        [planId, year, JSON.stringify(values.map((v) => ({
          indicator_id: v.indicatorId, unit_id: v.unitId, check_id: v.checkId, value: v.value, numerator: v.numerator,
          denominator: v.denominator, evidence: v.evidence, note: v.note,
        })))],
      );
    });
  }

  async values(planId: string, year: number): Promise<StoredIndicatorValue[]> {
    const rows = await this.db.query(
      `SELECT indicator_id, unit_id, check_id, value, numerator, denominator, evidence, note FROM indicator_value
       WHERE plan_id = $1 AND year = $2 ORDER BY indicator_id, unit_id, check_id`,
      [planId, year],
    );
    return rows.map((r: Record<string, any>) => ({
      indicatorId: r.indicator_id, unitId: r.unit_id, checkId: r.check_id, value: r.value, numerator: r.numerator,
      denominator: r.denominator, evidence: r.evidence, note: r.note,
    }));
  }

  /** The rows evidence ids name (messages, discrepancies, cards; the cards' citizen ids and names opened), for drill-down from a number to its records. */
  async evidenceRows(ids: { messages: string[]; discrepancies: string[]; cards: string[] }): Promise<{
    messages: Record<string, any>[];
    discrepancies: Record<string, any>[];
    cards: Record<string, any>[];
  }> {
    const [messages, discrepancies, cards] = await Promise.all([
      ids.messages.length
        ? this.db.query(
            `SELECT m.id, m.kind, m.record_id, to_char(m.event_date, 'YYYY-MM-DD') AS event_date, m.received_at, m.region_code, m.state, m.payload,
               (m.received_at AT TIME ZONE 'Asia/Shanghai')::date - m.event_date AS days_to_receipt,
               m.client_id, c.agency, c.name AS client_name
             FROM message_state m LEFT JOIN exchange_client c ON c.id = m.client_id WHERE m.id = ANY($1::uuid[])`,
            [ids.messages],
          )
        : [],
      ids.discrepancies.length
        ? this.db.query(
            `SELECT id, kind, status, region_code, township_code, to_char(due_at, 'YYYY-MM-DD') AS due_at, raised_at, closed_at, subject_citizen_id,
               subject_name, card_id
             FROM discrepancy WHERE id = ANY($1::uuid[])`,
            [ids.discrepancies],
          )
        : [],
      ids.cards.length
        ? this.db.query(
            `SELECT card_id, version, region_code, township_code, citizen_id, name, marital_status, residence_status,
               to_char(event_date, 'YYYY-MM-DD') AS event_date
             FROM registry_woman WHERE card_id = ANY($1::text[])`,
            [ids.cards],
          )
        : [],
    ]);
    for (const card of cards) {
      card.citizen_id = this.pii.open(card.citizen_id);
      card.name = this.pii.open(card.name);
    }
    return { messages, discrepancies, cards };
  }

  /** Sums num and den per group and gathers the evidence ids, in SQL. */
  /** As `grouped`, by agency and by station (`''`: none) in one pass over the rows (GROUPING SETS). */
  private async byAgencyAndStation(select: string, params: unknown[]): Promise<{ byAgency: MeasureRow[]; byStation: MeasureRow[] }> {
    const rows = await this.db.query(
      `SELECT agency, station, GROUPING(station) = 1 AS by_agency, sum(num)::float8 AS num, sum(den)::float8 AS den,
         COALESCE(array_agg(ev ORDER BY ev) FILTER (WHERE ev IS NOT NULL), '{}') AS evidence
       FROM (${select}) AS measured GROUP BY GROUPING SETS ((agency), (station)) ORDER BY agency, station`,
      params,
    );
    const measure = (r: Record<string, any>, group: string): MeasureRow => ({ group, numerator: r.num, denominator: r.den, evidence: r.evidence });
    return {
      byAgency: rows.filter((r: Record<string, any>) => r.by_agency).map((r: Record<string, any>) => measure(r, r.agency)),
      byStation: rows.filter((r: Record<string, any>) => !r.by_agency && r.station !== '').map((r: Record<string, any>) => measure(r, r.station)),
    };
  }

  private async grouped(select: string, params: unknown[]): Promise<MeasureRow[]> {
    const rows = await this.db.query(
      `SELECT grp, sum(num)::float8 AS num, sum(den)::float8 AS den, COALESCE(array_agg(ev ORDER BY ev) FILTER (WHERE ev IS NOT NULL), '{}') AS evidence
       FROM (${select}) AS measured GROUP BY grp ORDER BY grp`,
      params,
    );
    return rows.map((r: Record<string, any>) => ({ group: r.grp, numerator: r.num, denominator: r.den, evidence: r.evidence }));
  }
}
