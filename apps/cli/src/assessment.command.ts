import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { AssessmentService, PlanInvalidError } from '@sanxian/assessment';
import { explain, type AssessmentResult } from '@sanxian/domain';
import { AssessmentRepository } from '@sanxian/persistence';
import { UsageError } from './admin.commands';
import { withHub } from './cli-context';

function yearOption(value: string): number {
  const year = Number(value);
  if (!Number.isInteger(year) || year < 2000 || year > 2100) throw new UsageError(`--year must be a year like 2026; got "${value}"`);
  return year;
}

export function registerAssessmentCommands(program: Command): void {
  const plan = program.command('plan').description('the yearly assessment plans (published once, never edited: a new version supersedes)');
  plan
    .command('publish <file>')
    .description('validate an assessment plan (schemas/plan/assessment-plan.schema.json) and publish it')
    .action(async (file: string) => {
      let document: unknown;
      try {
        document = JSON.parse(readFileSync(file, 'utf8'));
      } catch (error) {
        throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
      }
      try {
        const stored = await withHub((get) => get(AssessmentService).publishPlan(document, null));
        console.log(`published plan ${stored.id} version ${stored.version} for ${stored.year}`);
      } catch (error) {
        if (error instanceof PlanInvalidError) throw new UsageError(`${file} is not a valid plan:\n${error.problems.map((p) => `  ${p}`).join('\n')}`);
        throw error;
      }
    });
  plan
    .command('list')
    .option('--json', 'print as JSON')
    .action(async (options: { json?: boolean }) => {
      const plans = await withHub((get) => get(AssessmentRepository).listPlans());
      if (options.json) console.log(JSON.stringify(plans.map(({ document: _document, ...p }) => p)));
      else for (const p of plans) console.log(`${p.id}  v${p.version}  ${p.year}  ${p.status}  ${p.publishedAt?.toISOString() ?? ''}`);
    });

  program
    .command('indicators')
    .description('indicators the hub computes from its own facts')
    .command('compute')
    .description("recompute every computed indicator of the year's plan for every unit, with the facts behind each value")
    .requiredOption('--year <year>', 'the assessment year', yearOption)
    .option('--as-of <date>', 'count discrepancies due by this day (YYYY-MM-DD); default RECONCILE_AS_OF, else today')
    .action(async (options: { year: number; asOf?: string }) => {
      const summary = await withHub((get) => get(AssessmentService).computeIndicators(options.year, options.asOf));
      console.log(`computed ${summary.values} indicator value(s) for plan ${summary.planId} in ${(summary.milliseconds / 1000).toFixed(1)} s`);
    });

  program
    .command('score')
    .description('score the year with its plan: ranked units of each line with tier, veto and the top reasons')
    .requiredOption('--year <year>', 'the assessment year', yearOption)
    .option('--json', 'print the full result (with every breakdown) as JSON')
    .action(async (options: { year: number; json?: boolean }) => {
      const { result } = await withHub((get) => get(AssessmentService).score(options.year));
      console.log(options.json ? JSON.stringify(result) : describeScoreboard(result));
    });
}

/** The scoreboard as text: per line, ranked units with score, outcome, veto and top reasons. */
export function describeScoreboard(result: AssessmentResult, perLine = Infinity): string {
  const lines: string[] = [`assessment ${result.planId} v${result.version}, ${result.year}`];
  for (const line of [...new Set(result.units.map((u) => u.line))]) {
    const units = result.units.filter((u) => u.line === line);
    lines.push('', `== ${line} (${units.length} units) ==`);
    for (const unit of units.slice(0, perLine)) {
      const reasons = explain(unit, 2)
        .map((r) => (r.lostPoints === null ? `VETO ${r.name.zh}` : `${r.name.zh} −${r.lostPoints.toFixed(1)}`))
        .join('; ');
      lines.push(`  ${String(unit.rank).padStart(2)}. ${unit.name.zh.padEnd(10, '\u3000')} ${unit.score.toFixed(2).padStart(6)}  ${unit.outcome.name.zh}${reasons ? `  (${reasons})` : ''}`);
    }
    if (units.length > perLine) lines.push(`  … ${units.length - perLine} more`);
  }
  return lines.join('\n');
}
