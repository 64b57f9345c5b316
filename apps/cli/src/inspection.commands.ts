import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { Command } from 'commander';
import { schemaRoot } from '@sanxian/contracts';
import { CAMPAIGN_RECORD_FORMAT, verifyCampaignRecord, type CampaignPublicRecord, type CampaignVerification } from '@sanxian/domain';
import { InspectionCampaigns, verifyAgainstLog } from '@sanxian/inspection';
import { InspectionRepository, MessageLogRepository } from '@sanxian/persistence';
import { SpotCheckResults } from '@sanxian/survey-returns';
import { UsageError, table } from './admin.commands';
import { withHub } from './cli-context';

/** Exit status when a draw (or the seed, or the frame) does not match: as `log verify` for a broken log. */
export const EXIT_MISMATCH = 3;

/** The operator's view: every campaign, as a county user sees the list. */
const OPERATOR = { userId: '00000000-0000-0000-0000-000000000000', username: 'sanxian-cli', role: 'admin', scope: { level: 'county' } } as const;

function readRecordFile(file: string): CampaignPublicRecord {
  let record: CampaignPublicRecord;
  try {
    record = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read the campaign record ${file}: ${(error as Error).message}`);
  }
  if (record?.format !== CAMPAIGN_RECORD_FORMAT) throw new UsageError(`${file} is not a campaign record (format ${CAMPAIGN_RECORD_FORMAT})`);
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv, ['uuid', 'date', 'date-time']);
  const validate = ajv.compile(JSON.parse(readFileSync(join(schemaRoot(), 'survey', 'campaign-record.schema.json'), 'utf8')));
  if (!validate(record)) {
    const problems = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '(root)'}: ${e.message}`);
    throw new UsageError(`${file} does not match schemas/survey/campaign-record.schema.json: ${problems.join('; ')}`);
  }
  return record;
}

function describe(result: CampaignVerification): string {
  const lines = [
    `campaign ${result.campaignId}: ${result.ok ? 'every draw matches' : 'MISMATCH'}`,
    `  seed ${result.seedMatchesCommitment ? 'matches' : 'does NOT match'} the commitment published at freezing`,
    `  frame ${result.frameMatchesHash ? 'matches' : 'does NOT match'} its hash`,
  ];
  for (const d of result.draws) lines.push(`  draw ${d.day} team ${d.teamId} (${d.id}): ${d.matches ? 'matches' : `DOES NOT MATCH: ${d.problem}`}`);
  if (!result.draws.length) lines.push('  (no draw was made)');
  return lines.join('\n');
}

export function registerInspectionCommands(program: Command): void {
  const lottery = program.command('lottery').description("spot checks' sealed lottery");
  lottery
    .command('verify [campaignId]')
    .description("recompute every draw of a published campaign from its public record: the revealed seed against its commitment, the frame against its hash, each draw against its inputs (exit 3 when one does not match)")
    .option('--record <file>', 'verify a public record file (GET /v1/inspection/campaigns/{id}/record) instead of the database')
    .option('--json', 'print the result as JSON')
    .action(async (campaignId: string | undefined, options: { record?: string; json?: boolean }) => {
      let result: CampaignVerification;
      // A record file is checked on its own (no log to hold its chain heads against); the database's against its log too.
      if (options.record) result = verifyCampaignRecord(readRecordFile(options.record));
      else {
        if (!campaignId) throw new UsageError('name a campaign id, or --record <file>');
        result = await withHub(async (get) => {
          const found = await get(InspectionRepository).publicRecord(campaignId);
          if (!found) throw new UsageError(`no frozen campaign ${campaignId}`);
          if (found.seed === null) throw new UsageError(`campaign ${campaignId} is not published: its seed is still sealed, so its draws cannot be recomputed yet`);
          return verifyAgainstLog(get(MessageLogRepository), found);
        });
      }
      if (!result.ok) process.exitCode = EXIT_MISMATCH;
      console.log(options.json ? JSON.stringify(result) : describe(result));
    });

  const campaigns = program.command('campaigns').description('spot-check campaigns (平时抽查)');
  campaigns
    .command('list')
    .description('campaigns with their id, state and counts, newest first')
    .option('--year <year>', 'only this year')
    .option('--json', 'print as JSON')
    .action(async (options: { year?: string; json?: boolean }) => {
      if (options.year !== undefined && !/^\d{4}$/.test(options.year)) throw new UsageError(`--year must be a year, YYYY; got "${options.year}"`);
      const year = options.year === undefined ? undefined : Number(options.year);
      const list = await withHub((get) => get(InspectionCampaigns).list(OPERATOR, { year }));
      if (options.json) {
        console.log(JSON.stringify(list.map((c) => ({
          id: c.id, year: c.year, period: c.period, state: c.state, townships: c.townshipCodes.length, teams: c.teams.length, days: c.days.length,
          frame: c.counts, draws: c.draws, closedDays: c.closedDays, frameHash: c.frameHash, seedCommitment: c.seedCommitment,
        }))));
        return;
      }
      console.log(table(list.map((c) => ({
        id: c.id, year: c.year, period: c.period, state: c.state, townships: c.townshipCodes.length, days: c.days.length,
        villages: c.counts?.villages ?? '', households: c.counts?.households ?? '', draws: c.draws, closed: c.closedDays,
      }))));
    });
  campaigns
    .command('results <campaignId>')
    .description("a campaign's results from its signed returns: per village, township and FP office the share of items that agree and 出生统计求实率 with their 95% intervals, births and persons the registry missed, findings")
    .option('--json', 'print as JSON')
    .action(async (campaignId: string, options: { json?: boolean }) => {
      const units = await withHub((get) => get(SpotCheckResults).campaignIndicators(campaignId));
      if (options.json) {
        console.log(JSON.stringify(units));
        return;
      }
      if (!units.length) {
        console.log(`no signed return of campaign ${campaignId} yet`);
        return;
      }
      const share = (e: { value: number | null; lower: number | null; upper: number | null; numerator: number; denominator: number }) =>
        e.value === null ? '—' : `${e.value.toFixed(2)}% [${e.lower!.toFixed(2)}–${e.upper!.toFixed(2)}] (${e.numerator}/${e.denominator})`;
      console.log(table(units.map((u) => ({
        unit: u.unitId, level: u.level, returns: u.returnIds.length, 'items agreeing (95% CI)': share(u.itemAgreement), '出生统计求实率 (95% CI)': share(u.birthAccuracy),
        'births missed': u.missedBirths, 'persons missed': u.missedPersons, findings: u.findings,
      }))));
    });
}
