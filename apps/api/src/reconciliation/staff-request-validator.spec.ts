import { BadRequestException } from '@nestjs/common';
import { StaffRequestValidator } from './staff-request-validator';

const validator = new StaffRequestValidator();

/** The field issues of a refused body. */
function issues(name: Parameters<StaffRequestValidator['parse']>[0], body: unknown): unknown {
  try {
    validator.parse(name, body);
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestException);
    return ((error as BadRequestException).getResponse() as { errors: unknown }).errors;
  }
  throw new Error('the body was accepted');
}

describe('StaffRequestValidator (schemas/staff)', () => {
  it('accepts the bodies the schemas describe', () => {
    expect(validator.parse('discrepancy-resolution', { action: 'dismiss', comment: '重复记录' })).toEqual({ action: 'dismiss', comment: '重复记录' });
    expect(validator.parse('discrepancy-assignment', { assigneeId: null })).toEqual({ assigneeId: null });
    expect(validator.parse('discrepancy-bulk-assignment', { ids: ['00000000-0000-4000-8000-000000000001'], assigneeId: '00000000-0000-4000-8000-000000000002' }).ids).toHaveLength(1);
    expect(validator.parse('link-review-decision', { decision: 'reject', comment: 'x' }).decision).toBe('reject');
    expect(validator.parse('reconciliation-request', undefined)).toEqual({});
    expect(validator.parse('reconciliation-request', { townshipCode: '511325101', asOf: '2025-12-31' }).asOf).toBe('2025-12-31');
  });

  it('names every offending field once', () => {
    expect(issues('discrepancy-resolution', {})).toEqual([
      { field: 'action', message: 'is required' },
      { field: 'comment', message: 'is required' },
    ]);
    expect(issues('discrepancy-resolution', { action: 'accept-agency', comment: ' \t ' })).toEqual([{ field: 'comment', message: 'must not be blank' }]);
    expect(issues('discrepancy-resolution', { action: 'accept-agency', comment: '' })).toEqual([{ field: 'comment', message: 'must not be blank' }]);
    expect(issues('discrepancy-resolution', { action: 'accept-agency', comment: 'ok', extra: 1 })).toEqual([{ field: 'extra', message: 'is not a field of this request' }]);
    expect(issues('discrepancy-resolution', { action: 'keep', comment: 'ok' })).toEqual([{ field: 'action', message: 'must be one of: accept-agency, keep-registry, dismiss' }]);
    expect(issues('discrepancy-assignment', { assigneeId: 'bob' })).toEqual([{ field: 'assigneeId', message: 'must be a UUID' }]);
    expect(issues('discrepancy-bulk-assignment', { ids: ['x'], assigneeId: null })).toEqual([{ field: 'ids.0', message: 'must be a UUID' }]);
    expect(issues('reconciliation-request', { asOf: '2025-02-30' })).toEqual([{ field: 'asOf', message: 'must be a date, YYYY-MM-DD' }]);
    expect(issues('reconciliation-request', { townshipCode: 511325101 })).toEqual([{ field: 'townshipCode', message: 'must be of type string' }]);
  });

  it('refuses a body that is not a JSON object', () => {
    expect(issues('link-review-decision', 'confirm')).toEqual([{ field: 'body', message: expect.stringMatching(/JSON object/) }]);
    expect(issues('link-review-decision', Buffer.from('{}'))).toEqual([{ field: 'body', message: expect.stringMatching(/JSON object/) }]);
    expect(issues('link-review-decision', [])).toEqual([{ field: 'body', message: expect.stringMatching(/JSON object/) }]);
  });
});
