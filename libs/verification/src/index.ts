export * from './verification-answer-validator';
export * from './verification-workflow.service';
export * from './verification.module';
