import { Injectable } from '@nestjs/common';
import { Workbook } from 'exceljs';
import { ledgerOutcomes, payout, yellowCardList, type AssessmentPlan, type PersonDecision } from '@sanxian/domain';
import { AssessmentRepository, LedgerRepository, type InputWithdrawal, type StoredDecision, type StoredOutcome } from '@sanxian/persistence';
import { AssessmentService } from './assessment.service';
import { addLedgerSheets } from './ledger-workbook';
import { chinaTime } from './scoreboard-workbook';
import { addSafeRow } from './workbook-table';

/** The year's results are not published: there is no ledger yet. */
export class NotPublishedError extends Error {
  constructor(readonly year: number) {
    super(`the ${year} results are not published: the ledger is written when they are (POST /v1/assessments/${year}/publication)`);
  }
}

/** Published already, at `publishedAt`. */
export class PublishedAlreadyError extends Error {
  constructor(readonly year: number, readonly publishedAt: Date) {
    super(`the ${year} results were published already, at ${publishedAt.toISOString()}`);
  }
}

export interface Publication {
  year: number;
  planId: string;
  planVersion: number;
  publishedAt: Date;
  units: number;
  /** What the awards pay, yuan; and how many units are warned or vetoed. */
  prizeTotal: number;
  yellowCards: number;
}

export interface YearLedger {
  year: number;
  planId: string;
  planVersion: number;
  publishedAt: Date;
  outcomes: StoredOutcome[];
  decisions: StoredDecision[];
  prizeTotal: number;
}

/** A decision as a request states it: the year comes from the path, optional fields may be absent. */
export type DecisionRequest = Pick<PersonDecision, 'kind' | 'personName' | 'post' | 'meetingDate' | 'meetingReference'>
  & Partial<{ unitId: string; note: string; corrects: string; withdrawn: boolean }>;

/**
 * The year's consequences: publishing the results writes each unit's outcome into the ledger; the
 * county records decisions about people there; the payout sheet and the yellow-card list are read
 * from it. Assessors' entries can be withdrawn (with a reason) until the year is published.
 */
@Injectable()
export class LedgerService {
  constructor(
    private readonly assessment: AssessmentService,
    private readonly plans: AssessmentRepository,
    private readonly ledger: LedgerRepository,
  ) {}

  /** Freezes the year's results as scored now and records every unit's outcome with them, once. */
  async publish(year: number, staffId: string | null): Promise<Publication> {
    const { stored, plan, result, inputIds } = await this.assessment.score(year);
    const outcomes = ledgerOutcomes(result);
    const published = await this.plans.publishResults(plan.id, year, stored.version, result, staffId, outcomes, inputIds);
    const publication = (await this.plans.publication(plan.id, year))!;
    if (!published) throw new PublishedAlreadyError(year, publication.publishedAt);
    return {
      year, planId: plan.id, planVersion: stored.version, publishedAt: publication.publishedAt, units: result.units.length,
      prizeTotal: payout(outcomes).total, yellowCards: yellowCardList(outcomes).length,
    };
  }

  /** Withdraws an entry of the year (refused once published): scoring leaves it out from now on. */
  async withdraw(year: number, inputId: string, reason: string, staffId: string): Promise<InputWithdrawal> {
    const { plan } = await this.assessment.planFor(year);
    return this.plans.withdrawInput(plan.id, year, inputId, reason, staffId);
  }

  /** The published year's outcomes and decisions; the plan version the results were scored with. */
  async yearLedger(year: number): Promise<YearLedger & { plan: AssessmentPlan }> {
    const current = await this.assessment.planFor(year);
    const publication = await this.plans.publication(current.plan.id, year);
    if (!publication) throw new NotPublishedError(year);
    const [outcomes, decisions, plan] = await Promise.all([this.ledger.outcomes(year), this.ledger.decisions(year), this.assessment.planAtVersion(current, publication.planVersion)]);
    return { year, planId: plan.id, planVersion: publication.planVersion, publishedAt: publication.publishedAt, outcomes, decisions, prizeTotal: payout(outcomes).total, plan };
  }

  /** Records a decision about a person in a published year's ledger. */
  async recordDecision(year: number, request: DecisionRequest, staffId: string): Promise<StoredDecision> {
    const { plan } = await this.assessment.planFor(year);
    if (!(await this.plans.publication(plan.id, year))) throw new NotPublishedError(year);
    return this.ledger.addDecision({
      year, kind: request.kind, personName: request.personName, post: request.post, unitId: request.unitId ?? null, meetingDate: request.meetingDate,
      meetingReference: request.meetingReference, note: request.note ?? null, corrects: request.corrects ?? null, withdrawn: request.withdrawn ?? false,
    }, staffId);
  }

  /** The payout sheet and the yellow-card list of a published year, as an .xlsx workbook. */
  async workbook(year: number, generatedAt = new Date()): Promise<{ buffer: Buffer; fileName: string; ledger: YearLedger }> {
    const ledger = await this.yearLedger(year);
    const workbook = new Workbook();
    workbook.creator = 'Sanxian Hub';
    workbook.created = generatedAt;
    const cover = workbook.addWorksheet('说明 About');
    cover.columns = [{ width: 26 }, { width: 60 }];
    for (const row of [
      ['考核方案 plan', `${ledger.planId} v${ledger.planVersion}`],
      ['年度 year', year],
      ['结果公布 published', chinaTime(ledger.publishedAt)],
      ['生成时间 generated', chinaTime(generatedAt)],
      ['说明 note', '奖金兑现表列出每个受奖单位的等次和奖金及合计；黄牌警告名单列出每个黄牌警告或一票否决的单位及原因。The payout sheet lists each awarded unit\'s tier and prize, and the total; the yellow-card list every unit warned or vetoed, with the reasons.'],
    ] as [string, string | number][]) addSafeRow(cover, row);
    cover.getColumn(1).font = { bold: true };
    cover.getColumn(2).alignment = { wrapText: true, vertical: 'top' };
    addLedgerSheets(workbook, ledger.plan, ledger.outcomes);
    return { buffer: Buffer.from(await workbook.xlsx.writeBuffer()), fileName: `ledger-${ledger.planId}-${year}.xlsx`, ledger };
  }

  /** Years with a ledger, newest first. */
  years(): Promise<number[]> {
    return this.ledger.years();
  }
}
