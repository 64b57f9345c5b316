import { Module } from '@nestjs/common';
import { AssessmentService } from './assessment.service';
import { ScoreboardQueries } from './scoreboard-queries';
import { ResponsibilityLetters } from './responsibility-letters.service';

/** The assessment's use-cases (api, worker, CLI); needs the global persistence and config modules. */
@Module({ providers: [AssessmentService, ScoreboardQueries, ResponsibilityLetters], exports: [AssessmentService, ScoreboardQueries, ResponsibilityLetters] })
export class AssessmentModule {}
