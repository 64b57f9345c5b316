import type { LinePlan, RankingGroup } from './assessment-plan';
import type { UnitResult } from './assessment-result';
import { noteInChinese } from './note-text';
import { rankGroup, type ScoredUnit } from './ranking';
import { tieBreakRule, tieBreaksApplied } from './tie-break';

const LINE = { indicators: [{ id: 'births-vs-control', name: { zh: '出生控制', en: 'births against control' } }] } as unknown as LinePlan;
const GROUP: RankingGroup = {
  id: 'stations', name: { zh: '计生站', en: 'stations' }, unitKinds: ['station'],
  tiers: [{ id: 'first', name: { zh: '一等奖', en: 'first prize' }, minScore: 90, quota: 5, prize: 1000 }],
  noAward: { name: { zh: '不奖不惩', en: 'no award, no penalty' } },
  yellowCard: { name: { zh: '黄牌警告', en: 'yellow card' }, below: 60, onVeto: true },
  tieBreak: [{ by: 'quality' }, { by: 'regular' }],
};

function unit(id: string, score: number, quality: number, regular = 90): ScoredUnit {
  return {
    unitId: id, name: { zh: `站${id}`, en: `station ${id}` }, kind: 'station', line: 'business', score, quality, level: 90, yearEnd: score, regular,
    bonus: 0, penalty: 0, vetoes: [], breakdown: { key: 'total', name: { zh: '总分', en: 'total' }, score, max: 100, children: [] },
  } as unknown as ScoredUnit;
}

describe('the tie-break shown where a quota splits equal scores', () => {
  it('names the criterion that separated the last unit awarded from the first left out, in Chinese and English', () => {
    // Six stations on 100, five places: quality decides between the fifth and the sixth.
    const ranked = rankGroup(GROUP, [unit('a', 100, 99), unit('b', 100, 98), unit('c', 100, 97), unit('d', 100, 96), unit('e', 100, 95), unit('f', 100, 94), unit('g', 80, 99)]);
    const [applied, ...more] = tieBreaksApplied(LINE, GROUP, ranked as UnitResult[]);
    expect(more).toEqual([]);
    expect(applied).toMatchObject({ tierId: 'first', score: 100, quota: 5, decidedBy: { by: 'quality' } });
    expect(applied.tiedUnitIds).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(applied.awardedUnitIds).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(applied.text.zh).toContain('工作质量得分高者在前');
    expect(applied.text.zh).toContain('第 5 名站e与第 6 名站f');
    expect(applied.text.zh).toContain('95 对 94');
    expect(applied.text.en).toContain('higher quality score first');
  });

  it('falls to the next criterion, and to the unit id, when the earlier ones are equal', () => {
    const byRegular = rankGroup(GROUP, [1, 2, 3, 4, 5, 6].map((i) => unit(`u${i}`, 100, 95, 100 - i)));
    expect(tieBreaksApplied(LINE, GROUP, byRegular as UnitResult[])[0].decidedBy).toEqual({ by: 'regular' });
    const byId = rankGroup(GROUP, [1, 2, 3, 4, 5, 6].map((i) => unit(`u${i}`, 100, 95, 90)));
    const [applied] = tieBreaksApplied(LINE, GROUP, byId as UnitResult[]);
    expect(applied.decidedBy).toEqual({ by: 'unit-id' });
    expect(applied.text.zh).toContain('u5 对 u6');
  });

  it('says nothing when the quota is not full or does not split a score', () => {
    expect(tieBreaksApplied(LINE, GROUP, rankGroup(GROUP, [unit('a', 100, 99), unit('b', 100, 98)]) as UnitResult[])).toEqual([]);
    const clean = rankGroup(GROUP, [unit('a', 100, 1), unit('b', 99, 1), unit('c', 98, 1), unit('d', 97, 1), unit('e', 96, 1), unit('f', 95, 1)]);
    expect(tieBreaksApplied(LINE, GROUP, clean as UnitResult[])).toEqual([]);
  });

  it('states the whole rule, ending with the unit id the engine falls back on', () => {
    expect(tieBreakRule({ tieBreak: [{ by: 'quality' }, { by: 'indicator', indicatorId: 'births-vs-control' }] }, LINE).zh)
      .toBe('工作质量得分高者在前，其次“出生控制”得分高者在前，其次单位代码小者在前');
  });
});

describe('the engine notes in Chinese', () => {
  it('translates every part it knows and keeps what assessors typed', () => {
    expect(noteInChinese('not covered by any regular check: scored on the year-end assessment alone')).toBe('未列入任何平时考核：仅按年终考核计分');
    expect(noteInChinese('3.5 found, capped at 3')).toBe('合计 3.5 分，按上限计 3 分');
    expect(noteInChinese('no value; 村里核实过')).toBe('无数值；村里核实过');
    expect(noteInChinese('no verification request fell due; median answer time 4.5 days over 12 answered')).toBe('无到期的协查；回复用时中位数 4.5 天（已回复 12 件）');
    expect(noteInChinese('median over 12 answered')).toBe('已回复 12 件的中位数');
  });
});
