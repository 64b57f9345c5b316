export * from './verification-request';
