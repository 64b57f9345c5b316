export * from './computed-indicators';
