// The exchange protocol both sides share (the hub's intake and the agencies' push client): request
// signatures, batch bodies and their limits, the mapping of records to facts, and the exchange's errors.
// Nothing here loads Nest, TypeORM or the database, so the push client and the intake threads stay light.
export * from './batch-body';
export * from './exchange-error';
export * from './fact-mapper';
export * from './signature';
