import { Module } from '@nestjs/common';
import { AssessmentService } from './assessment.service';
import { ScoreboardQueries } from './scoreboard-queries';

/** The assessment's use-cases (api, worker, CLI); needs the global persistence and config modules. */
@Module({ providers: [AssessmentService, ScoreboardQueries], exports: [AssessmentService, ScoreboardQueries] })
export class AssessmentModule {}
