import { Module } from '@nestjs/common';
import { AssessmentService } from './assessment.service';

/** The assessment's use-cases (api, worker, CLI); needs the global persistence and config modules. */
@Module({ providers: [AssessmentService], exports: [AssessmentService] })
export class AssessmentModule {}
