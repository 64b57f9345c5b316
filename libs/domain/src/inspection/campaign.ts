import type { SamplingDesign } from './lottery';

/** An inspection team (检查组): its leader draws the day's points and alone knows them until the day is closed. */
export interface CampaignTeam {
  teamId: string;
  leaderId: string;
  memberIds: string[];
}

/** A survey day: when the teams leave, and which townships each team visits. */
export interface CampaignDay {
  /** YYYY-MM-DD. */
  date: string;
  /** Departure time, HH:MM, China Standard Time (UTC+8, the county's clock). */
  departure: string;
  assignments: { teamId: string; townshipCodes: string[] }[];
}

/** What a county user defines when creating a campaign. */
export interface CampaignDefinition {
  year: number;
  /** The check's period as the bureau names it, e.g. "2026-Q4" or "年终". */
  period: string;
  /** The townships (units) the campaign covers. */
  townshipCodes: string[];
  design: SamplingDesign;
  teams: CampaignTeam[];
  days: CampaignDay[];
}

/** draft: defined; frozen: frame and seed commitment fixed, draws possible; published: results and seed public. */
export type CampaignState = 'draft' | 'frozen' | 'published';

/** The day's departure as an RFC 3339 time in China Standard Time. */
export function departureAt(day: Pick<CampaignDay, 'date' | 'departure'>): string {
  return `${day.date}T${day.departure}:00+08:00`;
}

export interface CampaignProblem {
  field: string;
  message: string;
}

/**
 * What a schema cannot say about a campaign: team ids and days are unique, a leader is not also
 * a member, every assignment names a team of the campaign and townships it covers, a team goes
 * out once a day, and the days are in the campaign's year.
 */
export function campaignProblems(campaign: CampaignDefinition): CampaignProblem[] {
  const problems: CampaignProblem[] = [];
  const teams = new Set<string>();
  campaign.teams.forEach((team, i) => {
    if (teams.has(team.teamId)) problems.push({ field: `teams.${i}.teamId`, message: `team ${team.teamId} is defined twice` });
    teams.add(team.teamId);
    if (team.memberIds.includes(team.leaderId)) problems.push({ field: `teams.${i}.memberIds`, message: 'the leader is not also a member' });
  });
  const covered = new Set(campaign.townshipCodes);
  const dates = new Set<string>();
  campaign.days.forEach((day, d) => {
    if (dates.has(day.date)) problems.push({ field: `days.${d}.date`, message: `${day.date} is listed twice` });
    dates.add(day.date);
    if (!day.date.startsWith(`${campaign.year}-`)) problems.push({ field: `days.${d}.date`, message: `must be in ${campaign.year}` });
    const out = new Set<string>();
    day.assignments.forEach((a, i) => {
      if (!teams.has(a.teamId)) problems.push({ field: `days.${d}.assignments.${i}.teamId`, message: `no team ${a.teamId} in this campaign` });
      if (out.has(a.teamId)) problems.push({ field: `days.${d}.assignments.${i}.teamId`, message: `team ${a.teamId} is assigned twice that day` });
      out.add(a.teamId);
      a.townshipCodes.forEach((t, j) => {
        if (!covered.has(t)) problems.push({ field: `days.${d}.assignments.${i}.townshipCodes.${j}`, message: `${t} is not one of the campaign's townships` });
      });
    });
  });
  return problems;
}
