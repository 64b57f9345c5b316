import { Inject, Injectable } from '@nestjs/common';
import type { SurveyReturnReceipt } from '@sanxian/api-types';
import { HUB_CONFIG, surveySchemaIssues, type HubConfig, type SurveyFieldIssue } from '@sanxian/contracts';
import {
  compareWithRegistry,
  completenessMessage,
  dueDate,
  findingDrafts,
  returnCompleteness,
  returnContentHash,
  signatureProblems,
  type CompletenessProblem,
  type SignatureProblem,
  type SignedReturn,
} from '@sanxian/domain';
import { SurveyReturnRepository, UnitOfWork, audit, type StaffRef, type StoredReturn } from '@sanxian/persistence';
import { SPOT_CHECK_CAMPAIGNS, type SpotCheckCampaigns } from './spot-check-campaigns.port';

/** What the hub answers a synced return with (schemas/survey/return-receipt.schema.json). */
export type ReturnReceipt = SurveyReturnReceipt;

export type SubmitOutcome =
  | { outcome: 'invalid'; issues: SurveyFieldIssue[] }
  | { outcome: 'not-found' }
  | { outcome: 'closed' }
  | { outcome: 'return-id-reused'; returnId: string }
  | { outcome: 'bad-correction'; detail: string }
  | { outcome: 'incomplete'; missing: CompletenessProblem[] }
  | { outcome: 'bad-signatures'; problems: (SignatureProblem | { keyId: string; problem: 'signer-not-in-team' })[] }
  | { outcome: 'accepted' | 'duplicate'; receipt: ReturnReceipt };

/**
 * A signed survey return arriving from an inspector's device: checked (schema, the draw's team, completeness
 * against the frozen frame, every signature against the enrolled keys of the team), stored append-only on the
 * returns' chain and compared with the registry as of the survey day, in one transaction; its findings are
 * raised as discrepancies when the campaign is published. The same return synced twice is stored once and
 * answered as a duplicate.
 */
@Injectable()
export class SurveyReturns {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly returns: SurveyReturnRepository,
    @Inject(SPOT_CHECK_CAMPAIGNS) private readonly campaigns: SpotCheckCampaigns,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  async submit(body: unknown, staff: StaffRef): Promise<SubmitOutcome> {
    const issues = surveySchemaIssues('signed-return', body);
    if (issues.length) return { outcome: 'invalid', issues };
    const signed = body as SignedReturn;
    const survey = signed.return;
    const context = await this.campaigns.returnContext(survey.campaignId, survey.drawId, survey.villageCode, staff.id);
    if (!context) return { outcome: 'not-found' };
    const contentHash = returnContentHash(survey);

    const earlier = await this.returns.findReturn(survey.returnId);
    if (earlier) {
      if (earlier.contentHash !== contentHash) return { outcome: 'return-id-reused', returnId: survey.returnId };
      return { outcome: 'duplicate', receipt: receipt(earlier, 'duplicate', await this.findingCount(earlier)) };
    }
    if (!context.open) return { outcome: 'closed' };
    if (survey.surveyDate < context.day) return { outcome: 'invalid', issues: [{ field: '/return/surveyDate', message: `must not be before the draw's day ${context.day}` }] };
    if (survey.corrects) {
      const original = await this.returns.findReturn(survey.corrects);
      if (!original || original.drawId !== survey.drawId || original.villageCode !== survey.villageCode) {
        return { outcome: 'bad-correction', detail: `corrects ${survey.corrects}: no return of this draw and village has that id` };
      }
    }
    const missing = returnCompleteness(context.expected, survey);
    if (missing.length) return { outcome: 'incomplete', missing };

    const keys = await this.returns.activeKeys(signed.signatures.map((s) => s.keyId));
    const problems: Extract<SubmitOutcome, { outcome: 'bad-signatures' }>['problems'] = await signatureProblems(signed, keys);
    const team = new Set(context.teamMemberIds);
    for (const signature of signed.signatures) {
      const key = keys.get(signature.keyId);
      if (key && !team.has(key.staffId)) problems.push({ keyId: signature.keyId, problem: 'signer-not-in-team' });
    }
    if (problems.length) return { outcome: 'bad-signatures', problems };
    const signerIds = [...new Set(signed.signatures.map((s) => keys.get(s.keyId)!.staffId))];

    const registry = await this.campaigns.registryAsOf(survey.villageCode, survey.surveyDate);
    const comparison = compareWithRegistry(survey, registry, context.period);
    return this.unitOfWork.run(async (tx) => {
      const { status, stored } = await this.returns.append(tx, { signed, townshipCode: context.townshipCode, contentHash, signerIds, receivedBy: staff.id });
      if (status === 'duplicate') {
        return stored.contentHash === contentHash ? { outcome: 'duplicate', receipt: receipt(stored, 'duplicate', comparison.findings.length) } : { outcome: 'return-id-reused', returnId: survey.returnId };
      }
      await this.returns.saveComparison(tx, survey.returnId, survey.surveyDate, comparison, findingDrafts(comparison, registry, { townshipCode: context.townshipCode }));
      await audit(tx, staff, survey.corrects ? 'survey-return.addendum' : 'survey-return.accept', `survey-return:${survey.returnId}`, {
        campaignId: survey.campaignId, drawId: survey.drawId, villageCode: survey.villageCode, chainSeq: stored.chainSeq, contentHash,
        signers: signerIds, findings: comparison.findings.length, ...(survey.corrects ? { corrects: survey.corrects } : {}),
      });
      return { outcome: 'accepted', receipt: receipt(stored, 'accepted', comparison.findings.length) };
    });
  }

  /**
   * Raises the findings of a campaign's current returns as discrepancies (at its publication: before, the inspected
   * townships must not learn they were drawn); due in the configured working days from today. Idempotent; audited.
   */
  async raiseFindings(campaignId: string, staff: StaffRef, today = new Date().toISOString().slice(0, 10)): Promise<string[]> {
    return this.unitOfWork.run(async (tx) => {
      const raised = await this.returns.raiseCampaignFindings(tx, campaignId, dueDate(today, this.config.resolveWithinWorkingDays));
      if (raised.length) await audit(tx, staff, 'survey-findings.raise', `campaign:${campaignId}`, { raised: raised.length, ids: raised });
      return raised;
    });
  }

  /** A stored return, for a user who may read its campaign's returns; undefined otherwise (a 404). */
  async read(returnId: string, staff: Parameters<SpotCheckCampaigns['mayRead']>[1]): Promise<StoredReturn | undefined> {
    const stored = await this.returns.findReturn(returnId);
    if (!stored || !(await this.campaigns.mayRead(stored.campaignId, staff, stored.villageCode))) return undefined;
    return stored;
  }

  private async findingCount(stored: StoredReturn): Promise<number> {
    const comparisons = await this.returns.comparisonsOf([stored.returnId]);
    return comparisons[0]?.comparison.findings.length ?? 0;
  }
}

function receipt(stored: StoredReturn, status: 'accepted' | 'duplicate', findings: number): ReturnReceipt {
  return {
    returnId: stored.returnId, status, chainSeq: stored.chainSeq, rowHash: stored.rowHash, contentHash: stored.contentHash,
    receivedAt: stored.receivedAt.toISOString(), findings,
  };
}

/** Why a return was refused, in words (the problem document's detail). */
export function refusalDetail(outcome: Exclude<SubmitOutcome, { outcome: 'accepted' | 'duplicate' }>): string {
  switch (outcome.outcome) {
    case 'invalid': return outcome.issues.map((i) => `${i.field}: ${i.message}`).join('; ');
    case 'not-found': return 'no such draw and village on a team of yours';
    case 'closed': return "the campaign's results are published: no return or addendum is taken any more";
    case 'return-id-reused': return `returnId ${outcome.returnId} was stored before with other content: a correction is a new return (its own returnId) that names the original in corrects`;
    case 'bad-correction': return outcome.detail;
    case 'incomplete': return `the return leaves out what the frame holds (村不漏组、组不漏户、户不漏人、人不漏项): ${outcome.missing.map(completenessMessage).join('; ')}`;
    case 'bad-signatures': return outcome.problems.map((p) => `signature of key ${p.keyId}: ${SIGNATURE_TEXT[p.problem]}`).join('; ');
  }
}

const SIGNATURE_TEXT: Record<Extract<SubmitOutcome, { outcome: 'bad-signatures' }>['problems'][number]['problem'], string> = {
  'unknown-key': 'no enrolled key has this id (never enrolled, or revoked, or its owner disabled)',
  'algorithm-mismatch': 'the key was enrolled for another algorithm',
  'bad-signature': 'does not verify: the return was changed after signing, or signed with another key',
  'duplicate-signer': 'the same inspector signed twice',
  'signer-not-in-team': "the key's owner is not on the draw's team",
};
