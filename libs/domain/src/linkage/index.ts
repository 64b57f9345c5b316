export * from './comparison';
export * from './fellegi-sunter';
export * from './blocking';
export * from './link-record';
