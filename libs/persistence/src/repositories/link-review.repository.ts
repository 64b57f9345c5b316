import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { unlinkedRecordKey, type FactRole, type LinkReviewDecision, type RegionScope } from '@sanxian/domain';
import type { LinkReviewDetail as LinkReviewDetailView, LinkReviewItem, RegistryPerson, ReviewStatus, StaffRef } from '@sanxian/api-types';
import { PersonalDataCipher } from '../personal-data-cipher';
import { scopeCondition } from './discrepancy.repository';

// The shapes the staff API shows are declared once, in @sanxian/api-types; the rows here differ only by their key and times.
export type { ReviewStatus };
export const REVIEW_STATUSES = ['pending', 'confirmed', 'rejected'] as const satisfies readonly ReviewStatus[];

/** canonical_fact's role names → the names discrepancy subjects use (the domain's). */
const SUBJECT_ROLE: Record<string, FactRole> = { subject: 'person', 'party-a': 'partyA', 'party-b': 'partyB', mother: 'mother', father: 'father' };
const subjectRoleOf = (role: string): FactRole => SUBJECT_ROLE[role] ?? (role as FactRole);

/** A queue item, keyed by its fact id (the API's `id`). */
export type LinkReviewSummary = Omit<LinkReviewItem, 'id'> & { factId: string };

/** The registry person proposed, as the registry holds them now. */
export type RegistryPersonView = RegistryPerson;

/** One review in full; `review.at` as read. */
export type LinkReviewDetail = Omit<LinkReviewDetailView, 'id' | 'review'> & {
  factId: string;
  review: { by: StaffRef | null; at: Date | null; comment: string | null };
};

/** A link review locked for staff's decision: what the decision needs. */
export interface LockedLinkReview {
  factId: string;
  reviewStatus: ReviewStatus;
  personKey: string | null;
  messageId: string;
  /** The fact's role as discrepancy subjects name it. */
  subjectRole: FactRole;
}

// The candidate's id: the valid one linkage stored, else what the registry holds at that place (sealed, opened in toSummary).
/**
 * A review's region for scopes: the fact's village when it lies in the township the review belongs
 * to (the township of the registry target, else of the fact), else that township.
 */
const LINK_REGION = `(CASE WHEN left(f.region_code, 9) = p.township_code THEN f.region_code ELSE p.township_code END)`;

const SUMMARY_SELECT = `
  SELECT p.fact_id, p.review_status, p.township_code, p.score, p.method, p.decision, p.person_key, p.card_id, p.card_role, p.weights,
    p.runner_up, p.candidates, p.reviewed_by, p.reviewed_at, p.review_comment, u.username AS reviewed_by_username,
    p.person_citizen_id, COALESCE(w.citizen_id, h.citizen_id, c.citizen_id) AS registry_citizen_id,
    CASE p.card_role WHEN 'woman' THEN w.name WHEN 'husband' THEN h.name WHEN 'child' THEN c.name END AS candidate_name,
    f.message_id, f.kind, f.role, f.name, f.citizen_id
  FROM person_link p
  JOIN canonical_fact f ON f.id = p.fact_id
  LEFT JOIN staff_user u ON u.id = p.reviewed_by
  LEFT JOIN registry_woman w ON p.card_role = 'woman' AND w.card_id = p.card_id
  LEFT JOIN registry_husband h ON p.card_role = 'husband' AND h.card_id = p.card_id
  LEFT JOIN LATERAL (
    SELECT citizen_id, name FROM registry_child rc WHERE p.card_role = 'child' AND rc.card_id = p.card_id
    ORDER BY rc.ordinal OFFSET ${childPositionSql('p.person_key')} LIMIT 1) c ON true`;

/** The list's order: score, a review without one last. */
const RANK_SCORE = `COALESCE(p.score, '-Infinity'::real)`;

/** A child's person key is `<cardId>#child:<position>`, its place among the card's children in order. */
function childPositionSql(personKey: string): string {
  return `COALESCE(NULLIF(split_part(${personKey}, '#child:', 2), '')::int, 0)`;
}

function toSummary(pii: PersonalDataCipher, r: Record<string, any>): LinkReviewSummary {
  return {
    factId: String(r.fact_id), status: r.review_status, townshipCode: r.township_code, score: r.score, method: r.method, weights: r.weights ?? {},
    candidate: r.person_key
      ? { personKey: r.person_key, cardId: r.card_id, cardRole: r.card_role, citizenId: r.person_citizen_id ?? pii.open(r.registry_citizen_id), name: pii.open(r.candidate_name) }
      : null,
    record: { messageId: r.message_id, kind: r.kind, role: r.role, name: pii.open(r.name), citizenId: pii.open(r.citizen_id) },
  };
}

/** The link review queue: facts linkage was unsure of, for staff to confirm or reject. */
@Injectable()
export class LinkReviewRepository {
  constructor(
    private readonly db: DataSource,
    private readonly pii: PersonalDataCipher,
  ) {}

  /**
   * One page, the likeliest match first (score descending, no score last, then fact id); `after` is
   * the last item's (score, fact id). Ask for limit + 1 to learn whether another page follows.
   */
  async list(scope: RegionScope, filter: { status: ReviewStatus | 'all'; after?: { score: number | null; factId: string }; limit: number }): Promise<LinkReviewSummary[]> {
    const params: unknown[] = [];
    const where = [scopeCondition(scope, LINK_REGION, params, 'p.township_code'), 'p.review_status IS NOT NULL'];
    if (filter.status !== 'all') {
      params.push(filter.status);
      where.push(`p.review_status = $${params.length}`);
    }
    if (filter.after !== undefined) {
      params.push(filter.after.score ?? '-Infinity', filter.after.factId);
      where.push(`(${RANK_SCORE}, -p.fact_id) < ($${params.length - 1}::real, -$${params.length}::bigint)`);
    }
    params.push(filter.limit);
    const rows = await this.db.query(
      `${SUMMARY_SELECT} WHERE ${where.join(' AND ')} ORDER BY ${RANK_SCORE} DESC, p.fact_id LIMIT $${params.length}`,
      params,
    );
    return rows.map((r: Record<string, any>) => toSummary(this.pii, r));
  }

  /** The reviewed fact beside the registry person proposed, if in scope; undefined otherwise. */
  async findInScope(scope: RegionScope, factId: string): Promise<LinkReviewDetail | undefined> {
    const params: unknown[] = [factId];
    const [r] = await this.db.query(
      `${SUMMARY_SELECT} WHERE p.fact_id = $1 AND p.review_status IS NOT NULL AND ${scopeCondition(scope, LINK_REGION, params, 'p.township_code')}`,
      params,
    );
    if (!r) return undefined;
    const [fact] = await this.db.query(
      `SELECT f.*, m.record_id,
         (SELECT o.name FROM canonical_fact o WHERE o.message_id = f.message_id AND o.role = (CASE f.role
            WHEN 'party-a' THEN 'party-b' WHEN 'party-b' THEN 'party-a' WHEN 'mother' THEN 'father' WHEN 'father' THEN 'mother' END)
          LIMIT 1) AS relative_name
       FROM canonical_fact f JOIN inbound_message m ON m.id = f.message_id WHERE f.id = $1`,
      [factId],
    );
    const [discrepancy] = await this.db.query(`SELECT id FROM discrepancy WHERE key = $1`, [unlinkedRecordKey({ messageId: fact.message_id, role: subjectRoleOf(fact.role) })]);
    const summary = toSummary(this.pii, r);
    return {
      ...summary,
      decision: r.decision,
      candidates: r.candidates,
      runnerUp: r.runner_up,
      review: { by: r.reviewed_by ? { id: r.reviewed_by, username: r.reviewed_by_username } : null, at: r.reviewed_at, comment: r.review_comment },
      record: {
        ...summary.record, recordId: fact.record_id, clientId: fact.client_id, event: fact.event, eventDate: fact.event_date, regionCode: fact.region_code,
        sex: fact.sex, birthDate: fact.birth_date, citizenIdValid: fact.citizen_id_valid, relativeName: this.pii.open(fact.relative_name),
      },
      registryPerson: r.person_key ? await this.registryPerson(r.person_key) : null,
      discrepancyId: discrepancy?.id ?? null,
    };
  }

  /** A registry person by person key (`<cardId>#woman`, `#husband`, `#child:<position>`), as the current card holds them. */
  private async registryPerson(personKey: string): Promise<RegistryPersonView | null> {
    const [cardId, place = 'woman'] = splitPersonKey(personKey);
    const [row] = await this.db.query(
      `SELECT w.region_code, w.citizen_id AS woman_citizen_id, w.name AS woman_name, w.birth_date AS woman_birth_date,
         h.citizen_id AS husband_citizen_id, h.name AS husband_name, h.birth_date AS husband_birth_date,
         c.citizen_id AS child_citizen_id, c.name AS child_name, c.sex AS child_sex, c.birth_date AS child_birth_date
       FROM registry_woman w
       LEFT JOIN registry_husband h ON h.card_id = w.card_id
       LEFT JOIN LATERAL (SELECT * FROM registry_child rc WHERE rc.card_id = w.card_id ORDER BY rc.ordinal OFFSET ${childPositionSql('$2')} LIMIT 1) c ON true
       WHERE w.card_id = $1`,
      [cardId, personKey],
    );
    if (!row) return null;
    for (const column of ['woman_citizen_id', 'woman_name', 'husband_citizen_id', 'husband_name', 'child_citizen_id', 'child_name']) row[column] = this.pii.open(row[column]);
    const base = { personKey, cardId, regionCode: row.region_code };
    if (place === 'husband') {
      return { ...base, cardRole: 'husband', citizenId: row.husband_citizen_id, name: row.husband_name, sex: 'M', birthDate: row.husband_birth_date, relativeName: row.woman_name };
    }
    if (place.startsWith('child')) {
      return { ...base, cardRole: 'child', citizenId: row.child_citizen_id, name: row.child_name, sex: row.child_sex, birthDate: row.child_birth_date, relativeName: row.woman_name };
    }
    return { ...base, cardRole: 'woman', citizenId: row.woman_citizen_id, name: row.woman_name, sex: 'F', birthDate: row.woman_birth_date, relativeName: row.husband_name };
  }

  /** Locks a link review inside the scope for staff's decision in `tx` (FOR UPDATE); undefined when there is none there. */
  async lockForDecision(tx: EntityManager, scope: RegionScope, factId: string): Promise<LockedLinkReview | undefined> {
    const params: unknown[] = [factId];
    const [row] = await tx.query(
      `SELECT p.fact_id, p.review_status, p.person_key, p.message_id, f.role
       FROM person_link p JOIN canonical_fact f ON f.id = p.fact_id
       WHERE p.fact_id = $1 AND p.review_status IS NOT NULL AND ${scopeCondition(scope, LINK_REGION, params, 'p.township_code')}
       FOR UPDATE OF p`,
      params,
    );
    if (!row) return undefined;
    return { factId: row.fact_id, reviewStatus: row.review_status, personKey: row.person_key, messageId: row.message_id, subjectRole: subjectRoleOf(row.role) };
  }

  /**
   * Makes the link manual, in `tx`: it stands in every later run, confirmed to the person proposed
   * or rejected (no person), with who decided, when and why.
   */
  async recordDecision(tx: EntityManager, factId: string, decision: LinkReviewDecision, review: { staffId: string; comment: string }): Promise<void> {
    await tx.query(
      decision === 'confirm'
        ? `UPDATE person_link SET method = 'manual', decision = 'link', review_status = 'confirmed',
             reviewed_by = $2, reviewed_at = now(), review_comment = $3, updated_at = now() WHERE fact_id = $1`
        : `UPDATE person_link SET method = 'manual', decision = 'non-link', review_status = 'rejected', person_key = NULL, card_id = NULL,
             card_role = NULL, person_citizen_id = NULL, reviewed_by = $2, reviewed_at = now(), review_comment = $3, updated_at = now()
           WHERE fact_id = $1`,
      [factId, review.staffId, review.comment],
    );
  }
}

function splitPersonKey(personKey: string): [string, string] {
  const at = personKey.lastIndexOf('#');
  return at < 0 ? [personKey, 'woman'] : [personKey.slice(0, at), personKey.slice(at + 1)];
}
