// `@sanxian/contracts/light`: the contracts a small process needs (the push client, an intake thread), without the
// configuration module and the logger, which load Nest.
export * from './record-kinds';
export * from './problem';
export * from './record-validator';
export * from './intake-load';
