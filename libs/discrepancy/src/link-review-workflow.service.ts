import { Injectable } from '@nestjs/common';
import { linkReviewOutcome, unlinkedRecordKey, type LinkReviewDecision, type RegionScope } from '@sanxian/domain';
import {
  DiscrepancyRepository, LinkReviewRepository, ReceiptRepository, UnitOfWork, audit, type ReviewStatus, type StaffRef,
} from '@sanxian/persistence';

export type DecideOutcome =
  | { outcome: 'not-found' }
  | { outcome: 'not-pending'; status: ReviewStatus }
  | { outcome: 'no-candidate' }
  | { outcome: 'decided'; status: ReviewStatus; discrepancyId: string | null };

/**
 * Staff's decision on a link review: the link becomes manual (it stands in every later run),
 * confirmed to the person proposed or rejected (no person); the `unlinked-record` discrepancy the
 * fact raised closes with the decision as its resolution, its senders get a `resolved` receipt;
 * both are audited. One transaction.
 */
@Injectable()
export class LinkReviewWorkflow {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly reviews: LinkReviewRepository,
    private readonly discrepancies: DiscrepancyRepository,
    private readonly receipts: ReceiptRepository,
  ) {}

  async decide(scope: RegionScope, factId: string, input: { decision: LinkReviewDecision; comment: string; staff: StaffRef }): Promise<DecideOutcome> {
    return this.unitOfWork.run(async (tx) => {
      const locked = await this.reviews.lockForDecision(tx, scope, factId);
      if (!locked) return { outcome: 'not-found' };
      if (locked.reviewStatus !== 'pending') return { outcome: 'not-pending', status: locked.reviewStatus };
      const { decision, comment, staff } = input;
      if (decision === 'confirm' && !locked.personKey) return { outcome: 'no-candidate' };
      const outcome = linkReviewOutcome(decision);
      await this.reviews.recordDecision(tx, factId, decision, { staffId: staff.id, comment });
      const { action } = outcome;
      const closed = await this.discrepancies.closeOpenByKey(tx, unlinkedRecordKey({ messageId: locked.messageId, role: locked.subjectRole }), {
        status: outcome.discrepancyStatus, resolution: { action, comment, by: staff, factId },
      });
      if (closed) {
        await this.receipts.addForMessages(tx, closed.messageIds, 'resolved', { discrepancyId: closed.id, kind: closed.kind, action }, { agencyOnly: false });
        await audit(tx, staff, 'discrepancy.resolve', closed.id, { action, comment, factId });
      }
      await audit(tx, staff, 'link-review.decide', factId, { decision, comment, personKey: locked.personKey, discrepancyId: closed?.id ?? null });
      return { outcome: 'decided', status: outcome.reviewStatus, discrepancyId: closed?.id ?? null };
    });
  }
}
