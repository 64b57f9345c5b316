import { Module } from '@nestjs/common';
import { SurveyReturnsModule } from '@sanxian/survey-returns';
import { InspectionCampaigns } from './inspection-campaigns.service';

/** Spot-check campaigns and their sealed lottery (api, cli); needs the global persistence and config modules. Publication raises the returns' findings (SurveyReturnsModule). */
@Module({ imports: [SurveyReturnsModule], providers: [InspectionCampaigns], exports: [InspectionCampaigns] })
export class InspectionModule {}
