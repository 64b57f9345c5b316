import { assertHubCanApply, closingStatus, outsideAssigneeTownship, resolutionReceipts } from './discrepancy-resolution';
import { NotCorrectableError } from './registry-correction';

describe('discrepancy resolution rules', () => {
  it('closes a dismissed discrepancy as dismissed and every other as resolved', () => {
    expect(closingStatus('dismiss')).toBe('dismissed');
    expect(closingStatus('accept-agency')).toBe('resolved');
    expect(closingStatus('keep-registry')).toBe('resolved');
  });

  it('sends a correction to the card sender on accept-agency, disputed to the agencies on keep-registry, resolved to every sender always', () => {
    expect(resolutionReceipts('accept-agency')).toEqual([{ type: 'correction', to: 'card-sender' }, { type: 'resolved', to: 'all-evidence' }]);
    expect(resolutionReceipts('keep-registry')).toEqual([{ type: 'disputed', to: 'agency-evidence' }, { type: 'resolved', to: 'all-evidence' }]);
    expect(resolutionReceipts('dismiss')).toEqual([{ type: 'resolved', to: 'all-evidence' }]);
  });

  it('leaves opening a card to the family-planning system', () => {
    expect(() => assertHubCanApply({ op: 'create-card', citizenId: '110101199003070000', regionCode: '110101001' })).toThrow(NotCorrectableError);
    expect(() => assertHubCanApply({ op: 'set-card', cardId: 'C1', maritalStatus: 'married' })).not.toThrow();
  });

  it("gives a township user only discrepancies inside their township, a county user any", () => {
    const rows = [{ id: 'a', regionCode: '110101001002' }, { id: 'b', regionCode: '110101002001' }];
    expect(outsideAssigneeTownship(rows, '110101001').map((r) => r.id)).toEqual(['b']);
    expect(outsideAssigneeTownship(rows, null)).toEqual([]);
  });
});
