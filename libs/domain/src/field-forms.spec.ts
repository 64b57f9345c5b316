import { normaliseCitizenIdForm, normalisePersonName, normaliseRecordFields } from './field-forms';

describe('normalisePersonName', () => {
  it.each([
    [' 张秀英', '张秀英'],
    ['张秀英 ', '张秀英'],
    ['张\u3000秀英', '张秀英'],
    ['张  秀英', '张秀英'],
    ['阿依古丽 • 买买提', '阿依古丽·买买提'],
    ['阿依古丽・买买提', '阿依古丽·买买提'],
    ['阿依古丽‧买买提', '阿依古丽·买买提'],
    ['阿依古丽･买买提', '阿依古丽·买买提'],
    ['John  Smith ', 'John Smith'],
    ['Jose\u0301', 'José'],
    ['\u{20000} 秀英', '\u{20000}秀英'],
    ['张 \u{20000}', '张\u{20000}'],
  ])('reads %j as %j', (sent, normal) => {
    expect(normalisePersonName(sent)).toBe(normal);
  });

  it('collapses a long run of spaces (one pass: a backtracking pattern took seconds on this)', () => {
    expect(normalisePersonName(`John${' '.repeat(50_000)}Smith`)).toBe('John Smith');
  });

  it('leaves line breaks, tabs and bidi controls for the plain-text rule to refuse', () => {
    expect(normalisePersonName('张秀英\n')).toBe('张秀英\n');
    expect(normalisePersonName('\t张秀英')).toBe('\t张秀英');
    expect(normalisePersonName('张\u202E秀英')).toBe('张\u202E秀英');
  });
});

describe('normaliseCitizenIdForm', () => {
  it.each([
    ['５１１３２５１９９２０３１４０４２Ｘ', '51132519920314042X'],
    ['51132519920314042x', '51132519920314042X'],
    ['511325 19920314 042X', '51132519920314042X'],
    ['511325-19920314-042X', '51132519920314042X'],
  ])('reads %j as %j', (sent, normal) => {
    expect(normaliseCitizenIdForm(sent)).toBe(normal);
  });

  it('leaves control characters in place', () => {
    expect(normaliseCitizenIdForm('51132519920314042X\n')).toBe('51132519920314042X\n');
  });
});

describe('normaliseRecordFields', () => {
  it('returns the record itself when every field is in normal form', () => {
    const record = { recordId: ' R1', person: { name: '张秀英', citizenId: '51132519920314042X' } };
    const result = normaliseRecordFields('hukou-change', record);
    expect(result.record).toBe(record);
    expect(result.normalisations).toEqual([]);
  });

  it('rewrites a copy, never the record sent, and leaves the recordId alone', () => {
    const record = { recordId: ' R1 ', children: [{ name: '陈 雨桐' }, { name: '陈雨欣' }], woman: { name: '张秀英', citizenId: '51132519920314042x' } };
    const sent = JSON.parse(JSON.stringify(record));
    const result = normaliseRecordFields('registry-card', record);
    expect(record).toEqual(sent);
    expect(result.record).toEqual({ recordId: ' R1 ', children: [{ name: '陈雨桐' }, { name: '陈雨欣' }], woman: { name: '张秀英', citizenId: '51132519920314042X' } });
    expect(result.normalisations).toEqual([
      { path: '/woman/citizenId', value: '51132519920314042X' },
      { path: '/children/0/name', value: '陈雨桐' },
    ]);
  });
});
