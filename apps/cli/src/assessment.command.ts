import { readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { Command } from 'commander';
import { AssessmentService, LedgerService, NoPlanError, NotPublishedError, PlanInvalidError, type YearLedger } from '@sanxian/assessment';
import { explain, payout, PERSON_DECISION_NAMES, yellowCardList, type AssessmentPlan, type AssessmentResult, type PersonDecisionKind } from '@sanxian/domain';
import { AssessmentRepository, StaffRepository } from '@sanxian/persistence';
import { UsageError } from './admin.commands';
import { withHub } from './cli-context';
import { yuanText } from './demo-summary';

/** An unpublished year has no ledger: said as a usage error (exit 2), not a crash. */
function notPublishedUsage(error: unknown): never {
  if (error instanceof NotPublishedError || error instanceof NoPlanError) throw new UsageError(error.message);
  throw error;
}

function ledgerOf(service: LedgerService, year: number) {
  return service.yearLedger(year).catch(notPublishedUsage);
}

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

  const ledger = program.command('ledger').description("the year's consequences, recorded when its results are published: outcomes, prize money, yellow cards, decisions about people");
  ledger
    .command('show')
    .description('per line the awards with their prizes and every yellow card and veto with its reasons; the totals')
    .requiredOption('--year <year>', 'the assessment year', yearOption)
    .option('--json', 'print the ledger as JSON (outcomes and decisions; the read is audited, as the API\'s is)')
    .action(async (options: { year: number; json?: boolean }) => {
      const text = await withHub(async (get) => {
        const { plan, ...found } = await ledgerOf(get(LedgerService), options.year);
        if (!options.json) return describeLedger(found, plan);
        // The JSON names the people decided about: audited as the API's read is.
        await get(StaffRepository).audit({ userId: null, username: null, action: 'ledger.read', target: `${found.planId}/${options.year}`, detail: { by: 'cli', os_user: userInfo().username } });
        return JSON.stringify(found);
      });
      console.log(text);
    });
  ledger
    .command('export')
    .description('write the payout sheet (unit, tier, amount, total) and the yellow-card list as an .xlsx workbook')
    .requiredOption('--year <year>', 'the assessment year', yearOption)
    .requiredOption('--out <file>', 'the .xlsx file to write')
    .action(async (options: { year: number; out: string }) => {
      const { buffer, ledger: written } = await withHub((get) => get(LedgerService).workbook(options.year).catch(notPublishedUsage));
      writeFileSync(options.out, buffer);
      console.log(`wrote ${options.out}: ${payout(written.outcomes).rows.length} award(s), ${yuanText(written.prizeTotal)}; ${yellowCardList(written.outcomes).length} yellow card(s) or veto(es)`);
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

/** The ledger's outcomes as text, Chinese first: per line the awards with their prizes, then every yellow card and veto. */
export function describeLedger(ledger: YearLedger, plan: AssessmentPlan): string {
  const lines = [`${plan.county.name}${ledger.year}年度考核奖惩台账 (ledger ${ledger.planId} v${ledger.planVersion}, published ${ledger.publishedAt.toISOString()})`];
  for (const line of plan.lines) {
    const outcomes = ledger.outcomes.filter((o) => o.line === line.line);
    const paid = payout(outcomes);
    lines.push('', `== ${line.name.zh} ${line.name.en}：受奖 ${paid.rows.length} 个单位，奖金 ${yuanText(paid.total)} ==`);
    for (const o of paid.rows) lines.push(`  ${String(o.rank).padStart(2)}. ${o.unitName.zh}（${o.unitId}） ${o.outcomeName.zh} ${yuanText(o.prize)}`);
    for (const o of yellowCardList(outcomes)) lines.push(`   ! ${o.unitName.zh}（${o.unitId}） ${o.outcomeName.zh}：${o.reasons.join('；')}`);
  }
  const current = ledger.decisions.filter((d) => d.correctedBy === null && !d.withdrawn);
  const count = (kind: PersonDecisionKind) => current.filter((d) => d.kind === kind).length;
  lines.push('', `奖金共 ${yuanText(ledger.prizeTotal)}；黄牌警告 ${yellowCardList(ledger.outcomes).length} 个单位；${PERSON_DECISION_NAMES.admonition.zh} ${count('admonition')} 人，${PERSON_DECISION_NAMES['account-at-meeting'].zh} ${count('account-at-meeting')} 人`);
  lines.push(`(prize money ${ledger.prizeTotal} yuan; decisions about people: ${count('admonition')} admonished, ${count('account-at-meeting')} accounted for themselves at the county meeting)`);
  return lines.join('\n');
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
