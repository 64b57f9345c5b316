import { assertHubCanApply, closingStatus, outsideAssigneeRegion, resolutionReceipts } from './discrepancy-resolution';
import { NotCorrectableError } from './registry-correction';

describe('discrepancy resolution rules', () => {
  it.each([
    ['accept-agency', 'resolved', ['correction', 'resolved']],
    ['keep-registry', 'resolved', ['disputed', 'resolved']],
    ['dismiss', 'dismissed', ['resolved']],
  ] as const)('%s closes the discrepancy as %s and sends %j', (action, status, receipts) => {
    expect(closingStatus(action)).toBe(status);
    expect(resolutionReceipts(action).map((r) => r.type)).toEqual(receipts);
  });

  it('sends the correction to the card sender, disputed to the agencies only, resolved to every sender', () => {
    expect(resolutionReceipts('accept-agency')[0]).toEqual({ type: 'correction', to: 'card-sender' });
    expect(resolutionReceipts('keep-registry')[0]).toEqual({ type: 'disputed', to: 'agency-evidence' });
    expect(resolutionReceipts('dismiss')[0]).toEqual({ type: 'resolved', to: 'all-evidence' });
  });

  it('leaves opening a card to the family-planning system', () => {
    expect(() => assertHubCanApply({ op: 'create-card', citizenId: '110101199003070000', regionCode: '110101001' })).toThrow(NotCorrectableError);
    expect(() => assertHubCanApply({ op: 'set-card', cardId: 'C1', maritalStatus: 'married' })).not.toThrow();
  });

  it("gives a township user only discrepancies inside their township, a county user any", () => {
    const rows = [{ id: 'a', regionCode: '110101001002' }, { id: 'b', regionCode: '110101002001' }];
    expect(outsideAssigneeRegion(rows, '110101001').map((r) => r.id)).toEqual(['b']);
    expect(outsideAssigneeRegion(rows, null)).toEqual([]);
  });
});
