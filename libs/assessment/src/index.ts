export * from './assessment.service';
export * from './assessment.module';
