import { Module } from '@nestjs/common';
import { InspectionCampaigns } from './inspection-campaigns.service';

/** Spot-check campaigns and their sealed lottery (api, cli); needs the global persistence and config modules. */
@Module({ providers: [InspectionCampaigns], exports: [InspectionCampaigns] })
export class InspectionModule {}
