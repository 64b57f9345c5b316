// `@sanxian/persistence/light`: the message log's rows as an intake thread prepares them, without TypeORM and the
// repositories, which a thread does not need.
export * from './log-rows';
