import { CreateExchangeLog1764331200000 } from './1764331200000-CreateExchangeLog';
import { CreateRegistry1764400000000 } from './1764400000000-CreateRegistry';
import { CreateStaffAndAudit1764500000000 } from './1764500000000-CreateStaffAndAudit';
import { StaffTokenRevocation1765100000000 } from './1765100000000-StaffTokenRevocation';
import { CreateReconciliation1764600000000 } from './1764600000000-CreateReconciliation';
import { CreateAssessment1764700000000 } from './1764700000000-CreateAssessment';
import { AppendOnlyMessageLog1764800000000 } from './1764800000000-AppendOnlyMessageLog';
import { AddIntakeBatchLoad1765300000000 } from './1765300000000-AddIntakeBatchLoad';
import { IntakeBatchSplit1765000000000 } from './1765000000000-IntakeBatchSplit';
import { TownshipUserHasRegion1765400000000 } from './1765400000000-TownshipUserHasRegion';
import { CreateSurveyReturns1765530000000 } from './1765530000000-CreateSurveyReturns';

/** Every migration, in order. New migrations are appended here. */
export const MIGRATIONS = [CreateExchangeLog1764331200000, CreateRegistry1764400000000, CreateStaffAndAudit1764500000000, CreateReconciliation1764600000000, CreateAssessment1764700000000, AppendOnlyMessageLog1764800000000, IntakeBatchSplit1765000000000, StaffTokenRevocation1765100000000, AddIntakeBatchLoad1765300000000, TownshipUserHasRegion1765400000000, CreateSurveyReturns1765530000000];
