import { letterContent } from './responsibility-letter';
import { xichong2026 } from './scoring-test.factory';

describe("a department's responsibility letter", () => {
  it('states both verification targets, the answer time in days', () => {
    const targets = letterContent(xichong2026(), 'health')!.targets.filter((t) => t.indicatorId.startsWith('verification-'));
    expect(targets.map((t) => [t.name.zh, t.points, t.target, t.requirement.zh])).toEqual([
      ['协查按期回复率', 60, 95, '目标不低于95%，按完成比例计分'],
      ['协查回复用时', 40, 10, '目标不超过10天，按完成比例计分'],
    ]);
    expect(targets[1].requirement.en).toBe('target at most 10 days, points in proportion');
  });
});
