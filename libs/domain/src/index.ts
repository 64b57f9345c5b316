export * from './citizen-id';
export * from './region-code';
export * from './person-name';
export * from './region-directory';
export * from './sha256';
export * from './linkage';
export * from './reconciliation';
export * from './staff-role';
