export * from './assessment-plan';
export * from './assessment-result';
export { ruleFraction, roundPoints } from './scoring-rule';
export { scoreAssessment } from './score-assessment';
export { explain, type ExplainedReason } from './explain';
