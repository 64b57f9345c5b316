import { Module } from '@nestjs/common';
import { SurveyReturnsModule } from '@sanxian/survey-returns';
import { AssessmentService } from './assessment.service';
import { ScoreboardQueries } from './scoreboard-queries';
import { LedgerService } from './ledger.service';

/** The assessment's use-cases (api, worker, CLI); needs the global persistence and config modules. Published spot checks come from SurveyReturnsModule. */
@Module({ imports: [SurveyReturnsModule], providers: [AssessmentService, ScoreboardQueries, LedgerService], exports: [AssessmentService, ScoreboardQueries, LedgerService] })
export class AssessmentModule {}
