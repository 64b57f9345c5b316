import { Module } from '@nestjs/common';
import { InspectionCampaignsAdapter } from './inspection-campaigns.adapter';
import { SigningKeys } from './signing-keys.service';
import { SPOT_CHECK_CAMPAIGNS } from './spot-check-campaigns.port';
import { SpotCheckResults } from './spot-check-results.service';
import { SurveyReturns } from './survey-returns.service';

/**
 * Signed spot-check returns (api, cli, the assessment): inspectors' keys, returns, findings and results, with the
 * campaigns port bound to libs/inspection's tables. Needs the global persistence and config modules.
 */
@Module({
  providers: [SigningKeys, SurveyReturns, SpotCheckResults, { provide: SPOT_CHECK_CAMPAIGNS, useClass: InspectionCampaignsAdapter }],
  exports: [SigningKeys, SurveyReturns, SpotCheckResults],
})
export class SurveyReturnsModule {}
