import { Module } from '@nestjs/common';
import { SurveyReturnsModule } from '@sanxian/survey-returns';
import { AssessmentService } from './assessment.service';
import { ScoreboardQueries } from './scoreboard-queries';
import { LedgerService } from './ledger.service';
import { ResponsibilityLetters } from './responsibility-letters.service';

/** The assessment's use-cases (api, worker, CLI); needs the global persistence and config modules. Published spot checks come from SurveyReturnsModule. */
@Module({
  imports: [SurveyReturnsModule],
  providers: [AssessmentService, ScoreboardQueries, LedgerService, ResponsibilityLetters],
  exports: [AssessmentService, ScoreboardQueries, LedgerService, ResponsibilityLetters],
})
export class AssessmentModule {}
