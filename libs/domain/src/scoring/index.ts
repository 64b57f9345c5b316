export * from './assessment-plan';
export * from './assessment-result';
export { ruleFraction, roundPoints } from './scoring-rule';
export { scoreAssessment } from './score-assessment';
export { explain, type ExplainedReason } from './explain';
export { tieBreaksApplied, tieBreakRule, tieBreakCriterionName, type TieBreakApplied } from './tie-break';
export { noteInChinese } from './note-text';
export * from './ledger';
export { letterContent, type LetterContent, type LetterTarget } from './responsibility-letter';
