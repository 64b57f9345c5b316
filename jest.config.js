// Unit specs (pure, next to the code) and integration specs (real PostgreSQL and Redis).
const swc = ['@swc/jest', {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
}];
const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)s$': swc },
  // NestJS 12 and some of its dependencies ship ESM only, which Jest on Node 20 cannot require():
  // swc compiles every module to CommonJS (cached after the first run).
  transformIgnorePatterns: [],
  moduleNameMapper: {
    '^@sanxian/(domain|contracts|persistence|exchange|jobs|synth|reconciliation|assessment)$': '<rootDir>/libs/$1/src',
    '^@sanxian/(intake|exchange-client|evidence|discrepancy|api-types|inspection|verification)$': '<rootDir>/libs/$1/src',
    '^@sanxian/(survey-returns)$': '<rootDir>/libs/$1/src',
    // A library's light entry: its exports that load neither Nest nor TypeORM, for small processes.
    '^@sanxian/(contracts|persistence)/light$': '<rootDir>/libs/$1/src/light',
    // The domain's test factories, for specs only.
    '^@sanxian/domain/testing$': '<rootDir>/libs/domain/src/testing',
  },
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
};
module.exports = {
  // Integration suites start real apps; a project-level testTimeout is ignored by Jest.
  testTimeout: 120000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,test}/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs,test}/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/test/support/jest-global-setup.ts',
      globalTeardown: '<rootDir>/test/support/jest-global-teardown.ts',
    },
  ],
};
