import { groupHolds, type AssessmentLineId, type AssessmentPlan, type LocalizedName, type PlanIndicator, type ScoringRule, type UnitKind } from './assessment-plan';

/**
 * A unit's responsibility letter (目标管理责任书) for the year: what the plan asks of it, taken
 * from the plan version it was signed on. Each target line says the indicator, its full marks and
 * what earns them; the letter also names the vetoes that apply and the awards the unit can win.
 */
export interface LetterContent {
  planId: string;
  planVersion: number;
  year: number;
  county: { code: string; name: string };
  line: { id: AssessmentLineId; name: LocalizedName };
  unit: { id: string; name: LocalizedName; kind: UnitKind; regionCode: string | null; parent: { id: string; name: LocalizedName } | null };
  targets: LetterTarget[];
  vetoes: LocalizedName[];
  awards: { name: LocalizedName; minScore: number; prize: number }[];
}

export interface LetterTarget {
  indicatorId: string;
  name: LocalizedName;
  points: number;
  /** The unit's own target (a control number handed down to it), or the plan's default; null when the rule needs none. */
  target: number | null;
  /** What earns the points, in words. */
  requirement: LocalizedName;
}

const UNIT_TEXT: Record<PlanIndicator['unit'], { zh: string; en: string }> = {
  percent: { zh: '%', en: '%' },
  permille: { zh: '‰', en: '‰' },
  count: { zh: '', en: '' },
  ratio: { zh: '', en: '' },
  'per-100-females': { zh: '（女=100）', en: ' per 100 girls' },
  days: { zh: '天', en: ' days' },
  grade: { zh: '', en: '' },
};

/** The letter's content for one unit of the plan; undefined when the plan has no such unit. */
export function letterContent(plan: AssessmentPlan, unitId: string): LetterContent | undefined {
  for (const line of plan.lines) {
    const unit = line.units.find((u) => u.id === unitId);
    if (unit === undefined) continue;
    const parent = unit.parent === undefined ? undefined : line.units.find((u) => u.id === unit.parent);
    const applies = (kinds?: UnitKind[]) => kinds === undefined || kinds.includes(unit.kind);
    const group = line.rankings.find((g) => groupHolds(g, unit));
    return {
      planId: plan.id,
      planVersion: plan.version,
      year: plan.year,
      county: plan.county,
      line: { id: line.line, name: line.name },
      unit: {
        id: unit.id, name: unit.name, kind: unit.kind, regionCode: unit.regionCode ?? null,
        parent: parent === undefined ? null : { id: parent.id, name: parent.name },
      },
      targets: line.indicators.filter((i) => applies(i.appliesTo)).map((indicator) => {
        const target = indicator.target?.byUnit?.[unit.id] ?? indicator.target?.default ?? null;
        return { indicatorId: indicator.id, name: indicator.name, points: indicator.points, target, requirement: requirementOf(indicator, target) };
      }),
      vetoes: line.vetoes.filter((v) => applies(v.appliesTo)).map((v) => v.name),
      awards: (group?.tiers ?? []).map((t) => ({ name: t.name, minScore: t.minScore, prize: t.prize })),
    };
  }
  return undefined;
}

function requirementOf(indicator: PlanIndicator, target: number | null): LocalizedName {
  const rule = indicator.scoring;
  if (rule === undefined) return { zh: '按A、B、C、D四档评定', en: 'graded A, B, C or D' };
  const unit = UNIT_TEXT[indicator.unit];
  const v = (value: number, relative?: boolean) =>
    relative && target !== null ? { zh: `${trim(value * target)}${unit.zh}`, en: `${trim(value * target)}${unit.en}` } : { zh: `${trim(value)}${unit.zh}`, en: `${trim(value)}${unit.en}` };
  const relative = 'measure' in rule && rule.measure === 'ratio-to-target';
  const [atMost, atLeast] = [{ zh: '不超过', en: 'at most' }, { zh: '不低于', en: 'at least' }];
  const bound = (r: ScoringRule) => (r.direction === 'higher-is-better' ? atLeast : atMost);
  switch (rule.type) {
    case 'ratio-to-target':
      return target === null
        ? { zh: '按完成目标的比例计分', en: 'points in proportion to the target reached' }
        : { zh: `目标${bound(rule).zh}${v(target).zh}，按完成比例计分`, en: `target ${bound(rule).en} ${v(target).en}, points in proportion` };
    case 'linear': {
      const [full, zero] = [v(rule.full, relative), v(rule.zero, relative)];
      return { zh: `${bound(rule).zh}${full.zh}得满分，至${zero.zh}不得分`, en: `full marks ${bound(rule).en} ${full.en}, none at ${zero.en}` };
    }
    case 'thresholds': {
      const best = v(rule.steps[0].bound, relative);
      return { zh: `${bound(rule).zh}${best.zh}得满分，分档计分`, en: `full marks ${bound(rule).en} ${best.en}, then in steps` };
    }
    case 'pass-fail': {
      const b = v(rule.bound, relative);
      return { zh: `${bound(rule).zh}${b.zh}得满分，否则不得分`, en: `full marks ${bound(rule).en} ${b.en}, else none` };
    }
  }
}

/** A number as a person writes it: 64, 95, 1.5, never 1.0000000002. */
function trim(value: number): string {
  return String(Number(value.toFixed(2)));
}
