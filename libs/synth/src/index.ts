export { generateCounty, type Manifest } from './generate-county';
export {
  FAULT_RATES,
  FAULT_NAMES,
  DEFAULT_COUNTY,
  DEFAULT_PEOPLE,
  DEFAULT_SEED,
  DEFAULT_YEAR,
  DEFAULT_GRACE_DAYS,
  DEFAULT_LATE_AFTER_DAYS,
  GENERATOR_VERSION,
  SynthOptionsError,
  resolveOptions,
  type FaultName,
  type FaultRates,
  type ResolvedOptions,
  type SynthOptions,
} from './synth-options';
export { OUTPUT_FILES } from './county-output.writer';
export {
  DISCREPANCY_KINDS,
  type Discrepancy,
  type DiscrepancyKind,
  type ExchangeRecord,
  type TruthRecord,
  type RegistryCardRecord,
  type HukouChangeRecord,
  type MarriageRecord,
  type BirthNoticeRecord,
  type HouseholdTruth,
  type MemberTruth,
} from './synth-records.types';
export { generateHouseholds, groupsInVillage, GROUPS_PER_VILLAGE, PEOPLE_PER_GROUP, type HouseholdOutput } from './county.generator';
export { computeDiscrepancies, type TruthRules } from './ground-truth.calculator';
export { PLAUSIBLE_PER_THOUSAND } from './demography.model';
export { HouseholdTruthIndex, surveyFromTruth } from './survey-from-truth';
