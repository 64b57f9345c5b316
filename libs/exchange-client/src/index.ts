// The client library for agencies (what `sanxian push` and integrators use): streams a file to the hub in signed
// batches. It loads the exchange protocol and the record kinds only, never Nest, TypeORM or the hub's persistence
// (libs/exchange-client/src/light-load.int-spec.ts checks it).
export * from './push-client';
export type { BatchFormat } from '@sanxian/exchange';
export * from './answer-client';
