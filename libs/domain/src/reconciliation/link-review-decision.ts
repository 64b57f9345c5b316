/**
 * Staff's decision on a link linkage was unsure of, without the storage: what it makes of the
 * review, and of the `unlinked-record` discrepancy the record raised.
 */
import { discrepancyKey } from './discrepancy-draft';
import type { FactRole } from './types';

export type LinkReviewDecision = 'confirm' | 'reject';

export interface LinkReviewOutcome {
  reviewStatus: 'confirmed' | 'rejected';
  /** The resolution's action on the record's discrepancy. */
  action: 'confirm-link' | 'reject-link';
  /** A confirmed link resolves the discrepancy; a rejected one leaves nothing to resolve. */
  discrepancyStatus: 'resolved' | 'dismissed';
}

export function linkReviewOutcome(decision: LinkReviewDecision): LinkReviewOutcome {
  return decision === 'confirm'
    ? { reviewStatus: 'confirmed', action: 'confirm-link', discrepancyStatus: 'resolved' }
    : { reviewStatus: 'rejected', action: 'reject-link', discrepancyStatus: 'dismissed' };
}

/** The key of the `unlinked-record` discrepancy a fact raised (as unlinkedRecordDraft makes it). */
export function unlinkedRecordKey(fact: { messageId: string; role: FactRole }): string {
  return discrepancyKey('unlinked-record', { messageId: fact.messageId, role: fact.role });
}
