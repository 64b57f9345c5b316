export * from './job-registry';
export * from './job-producer';
export * from './jobs.module';
export * from './redis-connection';
export * from './job-handlers';
