import * as fs from 'node:fs';
import * as path from 'node:path';
import { RecordValidator } from '@sanxian/contracts';
import { VerificationAnswerValidator } from './verification-answer-validator';

const check = (body: unknown) => new VerificationAnswerValidator().check(Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)));

describe('VerificationAnswerValidator (schemas/exchange/verification/verification-answer.schema.json)', () => {
  it('takes a corrected record, or a confirmation with a comment', () => {
    expect(check({ answer: 'corrected', record: { recordId: 'X' } })).toEqual({ ok: true, body: { answer: 'corrected', record: { recordId: 'X' } } });
    expect(check({ answer: 'confirmed', comment: '经核实，记录无误' }).ok).toBe(true);
  });

  it('names the path of every fault', () => {
    expect(check('{"answer":')).toEqual({ ok: false, errors: [expect.objectContaining({ path: '', code: 'invalid-json' })] });
    expect(check({ answer: 'corrected' })).toEqual({ ok: false, errors: [expect.objectContaining({ path: '/record', code: 'required' })] });
    expect(check({ answer: 'confirmed', comment: ' ' })).toEqual({ ok: false, errors: [expect.objectContaining({ path: '/comment', code: 'pattern' })] });
    expect(check({ answer: 'confirmed', comment: 'ok', record: {} })).toEqual({ ok: false, errors: [expect.objectContaining({ path: '/record', code: 'unknown-field' })] });
    expect(check({ answer: 'maybe', extra: 1 })).toEqual({ ok: false, errors: expect.arrayContaining([
      expect.objectContaining({ path: '/answer', code: 'enum' }), expect.objectContaining({ path: '/extra', code: 'additionalProperties' }),
    ]) });
  });

  it('accepts the README\'s curl example, whose record is a valid marriage record', () => {
    const readme = fs.readFileSync(path.join(__dirname, '../../../README.md'), 'utf8');
    const body = /BODY='(\{"answer":"corrected".*\})'\n/.exec(readme)?.[1];
    expect(body).toBeDefined();
    const checked = check(body!);
    expect(checked.ok).toBe(true);
    const record = (checked as { ok: true; body: { record: unknown } }).body.record;
    expect(RecordValidator.create().check('marriage-record', record, { today: '2026-12-01' })).toEqual({ errors: [], warnings: [] });
  });
});
