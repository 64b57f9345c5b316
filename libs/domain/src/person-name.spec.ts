import fc from 'fast-check';
import { compareNames, initialsKey, nameKeys, normaliseName, pinyinKey } from './person-name';

describe('normaliseName', () => {
  it.each([
    ['full-width Latin and ideographic space', 'ＺＨＡＮＧ　Ｓａｎ', 'ZHANG SAN'],
    ['Latin case and runs of spaces', '  Zhang   san ', 'ZHANG SAN'],
    ['traditional characters and the katakana middle dot', '買買提・艾力', '买买提·艾力'],
    ['spaces around the dot of a minority name', '阿依古丽 · 买买提', '阿依古丽·买买提'],
    ['spaces between Han characters', '张 秀 英', '张秀英'],
    ['full-width stop as the dot', '阿依古丽．买买提', '阿依古丽·买买提'],
    ['bullet as the dot', '阿依古丽•买买提', '阿依古丽·买买提'],
    ['hyphenation point as the dot', '阿依古丽‧买买提', '阿依古丽·买买提'],
    ['half-width katakana middle dot', '阿依古丽･买买提', '阿依古丽·买买提'],
    ['Greek ano teleia as the dot', '阿依古丽\u0387买买提', '阿依古丽·买买提'],
    ['doubled and trailing dots', '买买提..艾力·', '买买提·艾力'],
    ['Hong Kong variant character', '衞國', '卫国'],
    ['CJK compatibility ideograph', '\uF9B5', '例'],
    ['zero-width space from a spreadsheet', '李\u200B娜', '李娜'],
    // Documented loss: OpenCC reads 乾 as the traditional form of 干.
    ['a character that is both traditional and simplified', '李乾', '李干'],
  ])('folds %s', (_what, input, expected) => {
    expect(normaliseName(input)).toBe(expected);
  });

  it('leaves simplified names alone', () => {
    for (const name of ['张秀英', '李娜', '欧阳修', '买买提·艾力', '吕文', '著名', '么宁']) {
      expect(normaliseName(name)).toBe(name);
    }
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 12 }), (name) => {
        const once = normaliseName(name);
        expect(normaliseName(once)).toBe(once);
      }),
    );
  });
});

describe('pinyinKey and initialsKey', () => {
  it.each([
    ['张秀英', 'zhang xiu ying', 'zxy'],
    ['章秀英', 'zhang xiu ying', 'zxy'],
    // Surname readings, not the common ones (dan, ceng).
    ['单雄信', 'shan xiong xin', 'sxx'],
    ['曾国藩', 'zeng guo fan', 'zgf'],
    ['单', 'shan', 's'],
    ['尉迟恭', 'yu chi gong', 'ycg'],
    // ü is written v.
    ['吕文', 'lv wen', 'lw'],
    ['買買提·艾力', 'mai mai ti ai li', 'mmtal'],
    ['ＺＨＡＮＧ　Ｓａｎ', 'zhang san', 'zs'],
    ['王Ａ', 'wang a', 'wa'],
  ])('%s → %s, %s', (name, pinyin, initials) => {
    expect(pinyinKey(name)).toBe(pinyin);
    expect(initialsKey(name)).toBe(initials);
  });

  it('reads the pinyin of the normalised name, so names that normalise alike share their keys', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 10 }), (name) => {
        const normalised = normaliseName(name);
        expect(pinyinKey(normalised)).toBe(pinyinKey(name));
        expect(initialsKey(normalised)).toBe(initialsKey(name));
      }),
    );
  });

  it('gives the same keys one by one and all at once', () => {
    expect(nameKeys('章秀英')).toEqual({ normalised: '章秀英', pinyin: 'zhang xiu ying', initials: 'zxy' });
  });
});

describe('compareNames', () => {
  it.each([
    ['李娜', '李娜', 'exact'],
    ['ＺＨＡＮＧ　Ｓａｎ', 'ZHANG San', 'normalised'],
    ['買買提·艾力', '买买提・艾力', 'normalised'],
    ['阿依古丽 · 买买提', '阿依古丽·买买提', 'normalised'],
    // The dot is as often dropped as typed.
    ['买买提艾力', '买买提·艾力', 'normalised'],
    [' 李娜', '李娜', 'normalised'],
    ['张秀英', '章秀英', 'homophone'],
    ['张三', 'ZHANG SAN', 'homophone'],
    ['张秀英', '周晓燕', 'initials'],
    ['张秀英', '李娜', 'different'],
    ['张秀英', '张秀', 'different'],
    ['单雄信', '丹雄信', 'different'],
    ['曾国藩', '层国藩', 'different'],
  ])('%s and %s agree as %s', (a, b, level) => {
    expect(compareNames(a, b)).toBe(level);
    expect(compareNames(b, a)).toBe(level);
  });

  it('lets a missing name agree with nothing, not even another missing name', () => {
    for (const missing of ['', '   ', '\u3000', '·', ' . ']) {
      expect(normaliseName(missing)).toBe('');
      expect(pinyinKey(missing)).toBe('');
      expect(initialsKey(missing)).toBe('');
      expect(compareNames(missing, missing)).toBe('different');
      expect(compareNames(missing, '李娜')).toBe('different');
      expect(compareNames('李娜', missing)).toBe('different');
    }
  });

  it('is symmetric', () => {
    const name = fc.constantFrom('张秀英', '章秀英', '張秀英', '张 秀英', '周晓燕', '李娜', 'ZHANG XIU YING', '买买提·艾力', '');
    fc.assert(
      fc.property(name, name, (a, b) => {
        expect(compareNames(a, b)).toBe(compareNames(b, a));
      }),
    );
  });
});
