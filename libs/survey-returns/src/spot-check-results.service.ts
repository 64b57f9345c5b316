import { Inject, Injectable } from '@nestjs/common';
import { surveyIndicators, type PublishedCampaignResult, type SurveyUnitIndicators } from '@sanxian/domain';
import { SurveyReturnRepository } from '@sanxian/persistence';
import { SPOT_CHECK_CAMPAIGNS, type SpotCheckCampaigns } from './spot-check-campaigns.port';

/**
 * A campaign's results: its indicators per village, township and FP office (share of items that agree,
 * 出生统计求实率, births and persons the registry missed) with their 95% intervals, from the comparisons of
 * its current returns (an addendum stands for the return it corrects). Only published campaigns reach the score.
 */
@Injectable()
export class SpotCheckResults {
  constructor(
    private readonly returns: SurveyReturnRepository,
    @Inject(SPOT_CHECK_CAMPAIGNS) private readonly campaigns: SpotCheckCampaigns,
  ) {}

  async campaignIndicators(campaignId: string): Promise<SurveyUnitIndicators[]> {
    const comparisons = await this.returns.currentComparisons(campaignId);
    return surveyIndicators(comparisons.map((c) => ({ townshipCode: c.townshipCode, comparison: c.comparison })));
  }

  /** The year's published campaigns with their indicators, as withSpotCheckResults takes them. */
  async publishedResults(year: number): Promise<PublishedCampaignResult[]> {
    const published = await this.campaigns.publishedCampaigns(year);
    return Promise.all(published.map(async (c) => ({ campaignId: c.campaignId, date: c.publishedOn, units: await this.campaignIndicators(c.campaignId) })));
  }
}
