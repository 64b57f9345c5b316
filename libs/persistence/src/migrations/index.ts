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
import { CreateBulkLoadEnd1765500000000 } from './1765500000000-CreateBulkLoadEnd';
import { SealPersonalData1765510000000 } from './1765510000000-SealPersonalData';
import { RegistryGroupAndHousehold1765520000000 } from './1765520000000-RegistryGroupAndHousehold';
import { CreateInspectionCampaigns1765521000000 } from './1765521000000-CreateInspectionCampaigns';
import { CreateSurveyReturns1765530000000 } from './1765530000000-CreateSurveyReturns';
import { CreateVerificationRequests1765540000000 } from './1765540000000-CreateVerificationRequests';
import { ConsequenceLedger1765550000000 } from './1765550000000-ConsequenceLedger';
import { VillageUserHasRegion1765560000000 } from './1765560000000-VillageUserHasRegion';
import { CreateResponsibilityLetter1765560000001 } from './1765560000001-CreateResponsibilityLetter';
import { IncrementalReconciliation1765600000000 } from './1765600000000-IncrementalReconciliation';
import { CreateLinkageBlocks1765610000000 } from './1765610000000-CreateLinkageBlocks';
import { PartitionLogByMonth1765620000000 } from './1765620000000-PartitionLogByMonth';
import { ReconciliationParts1765650000000 } from './1765650000000-ReconciliationParts';
import { ReconciliationFlow1765700000000 } from './1765700000000-ReconciliationFlow';
import { SealedFormatComments1765710000000 } from './1765710000000-SealedFormatComments';
import { MoveRowsOutOfDefaultPartition1765720000000 } from './1765720000000-MoveRowsOutOfDefaultPartition';

/** Every migration, in order. New migrations are appended here. */
export const MIGRATIONS = [
  CreateExchangeLog1764331200000,
  CreateRegistry1764400000000,
  CreateStaffAndAudit1764500000000,
  CreateReconciliation1764600000000,
  CreateAssessment1764700000000,
  AppendOnlyMessageLog1764800000000,
  IntakeBatchSplit1765000000000,
  StaffTokenRevocation1765100000000,
  AddIntakeBatchLoad1765300000000,
  TownshipUserHasRegion1765400000000,
  CreateBulkLoadEnd1765500000000,
  SealPersonalData1765510000000,
  RegistryGroupAndHousehold1765520000000,
  CreateInspectionCampaigns1765521000000,
  CreateSurveyReturns1765530000000,
  CreateVerificationRequests1765540000000,
  ConsequenceLedger1765550000000,
  VillageUserHasRegion1765560000000,
  CreateResponsibilityLetter1765560000001,
  IncrementalReconciliation1765600000000,
  CreateLinkageBlocks1765610000000,
  PartitionLogByMonth1765620000000,
  ReconciliationParts1765650000000,
  ReconciliationFlow1765700000000,
  SealedFormatComments1765710000000,
  MoveRowsOutOfDefaultPartition1765720000000,
];

/**
 * The migrations as they run: those that rewrite stored rows with the hub's key (sealing personal data)
 * are given it. Without a key they refuse to run on a database that holds such rows.
 */
export function migrationsWithKey(secretsKey: Buffer | undefined): Function[] {
  return MIGRATIONS.map((migration) =>
    migration === SealPersonalData1765510000000
      ? class extends SealPersonalData1765510000000 {
          constructor() {
            super(secretsKey);
          }
        }
      : migration,
  );
}
