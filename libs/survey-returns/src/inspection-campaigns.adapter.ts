import { Injectable } from '@nestjs/common';
import { buildSamplingFrame, framePartOfDraw, scopeCovers, type AssessmentPlan, type FrameVillage, type RegionScope } from '@sanxian/domain';
import { AssessmentRepository, InspectionRepository, SurveyReturnRepository } from '@sanxian/persistence';
import type { PublishedCampaign, ReturnContext, SpotCheckCampaigns } from './spot-check-campaigns.port';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The end of a county day (China Standard Time, UTC+8) as an instant: what the registry had received by then. */
export function endOfChinaDay(day: string): Date {
  return new Date(new Date(`${day}T00:00:00+08:00`).getTime() + 24 * 3600_000);
}

/**
 * The campaigns port on libs/inspection's tables: a draw's frozen frame part, its team, the assessment period
 * of the campaign's year, and the registry of a village as the hub had received it by the end of a day.
 */
@Injectable()
export class InspectionCampaignsAdapter implements SpotCheckCampaigns {
  constructor(
    private readonly inspection: InspectionRepository,
    private readonly returns: SurveyReturnRepository,
    private readonly plans: AssessmentRepository,
  ) {}

  async returnContext(campaignId: string, drawId: string, villageCode: string, staffId: string): Promise<ReturnContext | undefined> {
    if (!UUID.test(campaignId) || !UUID.test(drawId)) return undefined;
    const campaign = await this.inspection.findCampaign(campaignId);
    if (!campaign || campaign.state === 'draft') return undefined;
    const draw = (await this.inspection.listDraws(campaignId)).find((d) => d.id === drawId);
    const team = draw && campaign.teams.find((t) => t.teamId === draw.teamId);
    if (!draw || !team || ![team.leaderId, ...team.memberIds].includes(staffId)) return undefined;
    const drawn = draw.result.villages.find((v) => v.villageCode === villageCode);
    if (!drawn) return undefined;
    const freeze = (await this.inspection.findFreeze(campaignId))!;
    const [expected] = framePartOfDraw(freeze.frame, { villages: [drawn] });
    return {
      campaignId, drawId, villageCode, townshipCode: drawn.townshipCode, expected, teamMemberIds: [team.leaderId, ...team.memberIds], day: draw.day,
      period: await this.period(campaign.year), open: campaign.state !== 'published',
    };
  }

  async registryAsOf(villageCode: string, day: string): Promise<FrameVillage> {
    const cards = await this.returns.registryCardsAsOf(villageCode, endOfChinaDay(day));
    const frame = buildSamplingFrame({ countyCode: villageCode.slice(0, 6), asOf: day, villages: [{ villageCode, townshipCode: villageCode.slice(0, 9) }], cards });
    return frame.villages[0];
  }

  async mayRead(campaignId: string, staff: { id: string; scope: RegionScope }, villageCode: string): Promise<boolean> {
    const campaign = UUID.test(campaignId) ? await this.inspection.findCampaign(campaignId) : undefined;
    if (!campaign) return false;
    if (staff.scope.level === 'county') return true;
    return campaign.state === 'published' && scopeCovers(staff.scope, villageCode);
  }

  async publishedCampaigns(year: number): Promise<PublishedCampaign[]> {
    const campaigns = await this.inspection.listCampaigns({ year });
    return campaigns
      .filter((c) => c.state === 'published' && c.publishedAt)
      .map((c) => ({ campaignId: c.id, year: c.year, publishedOn: new Date(new Date(c.publishedAt!).getTime() + 8 * 3600_000).toISOString().slice(0, 10) }));
  }

  /** The assessment year of the year's plan (births of this period count); the calendar year without a plan. */
  private async period(year: number): Promise<{ from: string; to: string }> {
    const stored = await this.plans.currentPlan(year);
    const plan = stored?.document as unknown as AssessmentPlan | undefined;
    return plan?.assessmentYear ? { from: plan.assessmentYear.from, to: plan.assessmentYear.to } : { from: `${year}-01-01`, to: `${year}-12-31` };
  }
}
