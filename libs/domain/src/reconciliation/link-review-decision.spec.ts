import { linkReviewOutcome, unlinkedRecordKey } from './link-review-decision';

describe('link review decision', () => {
  it('confirming links to the person proposed and resolves the discrepancy; rejecting links to none and dismisses it', () => {
    expect(linkReviewOutcome('confirm')).toEqual({ reviewStatus: 'confirmed', action: 'confirm-link', discrepancyStatus: 'resolved' });
    expect(linkReviewOutcome('reject')).toEqual({ reviewStatus: 'rejected', action: 'reject-link', discrepancyStatus: 'dismissed' });
  });

  it("names the unlinked-record discrepancy by the record's message and the person's role in it", () => {
    expect(unlinkedRecordKey({ messageId: '5f0c7a3e-0000-4000-8000-000000000001', role: 'partyB' })).toBe('unlinked-record:5f0c7a3e-0000-4000-8000-000000000001|partyB');
  });
});
