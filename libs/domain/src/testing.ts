// `@sanxian/domain/testing`: the test factories other libraries' and apps' specs build on (the county's plan and
// its lines), kept out of the library's index so that no product code loads them.
export * from './scoring/scoring-test.factory';
export * from './inspection/survey-test.factory';
