export * from './citizen-id';
export * from './region-code';
