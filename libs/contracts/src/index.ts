export * from './record-kinds';
export * from './config';
export * from './problem';
export * from './schema-root';
export * from './config.module';
export * from './record-validator';
export * from './region-files';
export * from './plan-validator';
