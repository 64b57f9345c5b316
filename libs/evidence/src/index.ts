// The message log's evidence outside the database: signed checkpoints of its chain heads, with RFC 3161 timestamps.
export * from './log-archive';
export * from './log-checkpoints';
export * from './timestamp-authority';
