import { Injectable } from '@nestjs/common';
import { maskCitizenId, type AssessmentPlan, type AssessmentResult, type BreakdownNode, type UnitResult } from '@sanxian/domain';
import { AssessmentRepository, IndicatorRepository, SurveyReturnRepository, type StoredIndicatorValue } from '@sanxian/persistence';
import { AssessmentService } from './assessment.service';

/** A year's results as the API shows them: the published (frozen) ones, or scored now. */
export interface YearResults {
  plan: AssessmentPlan;
  result: AssessmentResult;
  values: StoredIndicatorValue[];
  publishedAt: Date | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The read side of the assessment (the api's scoreboard): a year's results (frozen once published, so that
 * what was circulated is what the API keeps showing), views of them, and the records behind a
 * number, resolved from the evidence ids the indicators carry.
 */
@Injectable()
export class ScoreboardQueries {
  constructor(
    private readonly assessment: AssessmentService,
    private readonly plans: AssessmentRepository,
    private readonly indicators: IndicatorRepository,
    private readonly surveyReturns: SurveyReturnRepository,
  ) {}

  /** Throws NoPlanError when no plan covers the year, ScoringInputError when its entries cannot be scored. */
  async results(year: number): Promise<YearResults> {
    const current = await this.assessment.planFor(year);
    const { plan } = current;
    const publication = await this.plans.publication(plan.id, year);
    if (publication) {
      const published = await this.assessment.planAtVersion(current, publication.planVersion);
      const values = await this.indicators.values(plan.id, year);
      return { plan: published, result: publication.result as AssessmentResult, values, publishedAt: publication.publishedAt };
    }
    const { result, values } = await this.assessment.score(year);
    return { plan, result, values, publishedAt: null };
  }

  /** The evidence ids behind one indicator of one unit: year end and every regular check. Undefined when the unit is not scored on it. */
  indicatorEvidence(unit: UnitResult, indicatorId: string): string[] | undefined {
    const nodes = indicatorNodes(unit.breakdown, indicatorId);
    if (nodes.length === 0) return undefined;
    const ids = new Set<string>();
    for (const node of nodes) for (const n of [node, ...node.children]) for (const id of n.facts?.evidenceIds ?? []) ids.add(id);
    return [...ids].sort();
  }

  /** The rows behind evidence ids, in the order given; ids the hub cannot resolve come back as references. */
  async records(evidenceIds: readonly string[]): Promise<EvidenceRecord[]> {
    const byType = { message: [] as string[], discrepancy: [] as string[], card: [] as string[], return: [] as string[] };
    for (const id of evidenceIds) {
      const [type, key] = splitEvidence(id);
      if (type === 'message' && UUID.test(key)) byType.message.push(key.toLowerCase());
      else if (type === 'discrepancy' && UUID.test(key)) byType.discrepancy.push(key.toLowerCase());
      else if (type === 'return' && UUID.test(key)) byType.return.push(key.toLowerCase());
      else if (type === 'card') byType.card.push(key);
    }
    const [{ messages, discrepancies, cards }, returns] = await Promise.all([
      this.indicators.evidenceRows({ messages: byType.message, discrepancies: byType.discrepancy, cards: byType.card }),
      byType.return.length ? this.surveyReturns.returnSummaries(byType.return) : [],
    ]);
    const found = new Map<string, RecordBody>();
    for (const r of returns) found.set(`return:${r.returnId}`, returnRecord(r));
    for (const m of messages) found.set(`message:${m.id}`, messageRecord(m));
    for (const d of discrepancies) found.set(`discrepancy:${d.id}`, discrepancyRecord(d));
    for (const c of cards) found.set(`card:${c.card_id}`, cardRecord(c));
    return evidenceIds.map((id) => {
      const [type, key] = splitEvidence(id);
      const canonical = type === 'message' || type === 'discrepancy' || type === 'return' ? `${type}:${key.toLowerCase()}` : id;
      const record = found.get(canonical);
      if (record) return { evidenceId: id, ...record };
      return type === 'message' || type === 'discrepancy' || type === 'card' || type === 'return'
        ? { evidenceId: id, type, found: false }
        : { evidenceId: id, type: 'reference', found: false };
    });
  }
}

/** What a resolved evidence id shows; `found: false` when the hub holds no such row (or the id names a document). */
export type EvidenceRecord = { evidenceId: string } & RecordBody;
type RecordBody = { type: string; found: boolean } & Record<string, unknown>;

function splitEvidence(id: string): [string, string] {
  const at = id.indexOf(':');
  return at < 0 ? ['', id] : [id.slice(0, at), id.slice(at + 1)];
}

/** The breakdown nodes of one indicator: its year-end node and its regular-check node, if assessed then. */
export function indicatorNodes(total: BreakdownNode, indicatorId: string): BreakdownNode[] {
  return total.children.flatMap((period) => period.children.flatMap((dimension) => dimension.children.filter((n) => n.key === `${dimension.key}/${indicatorId}`)));
}

// ---- records -----------------------------------------------------------------------------

function parse(payload: string): Record<string, any> {
  try {
    const value = JSON.parse(payload);
    return value !== null && typeof value === 'object' ? value : {};
  } catch {
    return {};
  }
}

const personSummary = (p: Record<string, any> | undefined) =>
  p ? { name: p.name ?? null, citizenId: maskCitizenId(p.citizenId), ...(p.sex ? { sex: p.sex } : {}), ...(p.birthDate ? { birthDate: p.birthDate } : {}) } : null;

/** What a record says, short, with every citizen id masked. */
export function payloadSummary(kind: string, record: Record<string, any>): Record<string, unknown> {
  switch (kind) {
    case 'birth-notice':
      return {
        child: record.child ? { sex: record.child.sex ?? null, birthDate: record.child.birthDate ?? null } : null,
        mother: personSummary(record.mother),
        birthOrder: record.birthOrder ?? null,
        facility: record.facility ?? null,
      };
    case 'hukou-change':
      return { changeType: record.changeType ?? null, person: personSummary(record.person), policeStation: record.policeStation ?? null, toRegionCode: record.toRegionCode ?? null };
    case 'marriage-record':
      return {
        registrationType: record.registrationType ?? null, partyA: personSummary(record.partyA), partyB: personSummary(record.partyB),
        registrationOffice: record.registrationOffice ?? null,
      };
    case 'registry-card':
      return {
        cardId: record.cardId ?? null, version: record.version ?? null, woman: personSummary(record.woman), maritalStatus: record.maritalStatus ?? null,
        children: Array.isArray(record.children) ? record.children.length : 0, residenceStatus: record.residenceStatus ?? null,
      };
    default:
      return {};
  }
}

function messageRecord(m: Record<string, any>): RecordBody {
  return {
    type: 'message', found: true, messageId: m.id, kind: m.kind, recordId: m.record_id, eventDate: m.event_date, receivedAt: m.received_at,
    daysToReceipt: m.days_to_receipt, regionCode: m.region_code, state: m.state,
    client: { id: m.client_id, agency: m.agency ?? null, name: m.client_name ?? null },
    summary: payloadSummary(m.kind, parse(m.payload)),
  };
}

function discrepancyRecord(d: Record<string, any>): RecordBody {
  return {
    type: 'discrepancy', found: true, discrepancyId: d.id, kind: d.kind, status: d.status, dueAt: d.due_at, raisedAt: d.raised_at, closedAt: d.closed_at,
    regionCode: d.region_code, townshipCode: d.township_code, cardId: d.card_id, subject: { name: d.subject_name, citizenId: maskCitizenId(d.subject_citizen_id) },
  };
}

function cardRecord(c: Record<string, any>): RecordBody {
  return {
    type: 'card', found: true, cardId: c.card_id, version: c.version, eventDate: c.event_date, regionCode: c.region_code, townshipCode: c.township_code,
    woman: { name: c.name, citizenId: maskCitizenId(c.citizen_id) }, maritalStatus: c.marital_status, residenceStatus: c.residence_status,
  };
}

/** A signed survey return behind a spot-check figure: what it compared and what it found, by path (no names, no ids). */
function returnRecord(r: Awaited<ReturnType<SurveyReturnRepository['returnSummaries']>>[number]): RecordBody {
  const { items, births, findings } = r.comparison;
  return {
    type: 'return', found: true, returnId: r.returnId, campaignId: r.campaignId, regionCode: r.villageCode, townshipCode: r.townshipCode,
    surveyDate: r.surveyDate, chainSeq: r.chainSeq, itemsCompared: items.length, itemsAgreeing: items.filter((i) => i.agrees).length,
    birthsFound: births.length, birthsRegistered: births.filter((b) => b.registered).length, findings: findings.map((f) => ({ kind: f.kind, path: f.path })),
  };
}
