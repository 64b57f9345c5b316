import { Module } from '@nestjs/common';
import { IntakeModule } from '@sanxian/intake';
import { VerificationAnswerValidator } from './verification-answer-validator';
import { VerificationWorkflow } from './verification-workflow.service';

/** Verification requests (协查) and their answers (api); needs the global persistence and config modules. */
@Module({ imports: [IntakeModule], providers: [VerificationWorkflow, VerificationAnswerValidator], exports: [VerificationWorkflow, VerificationAnswerValidator] })
export class VerificationModule {}
