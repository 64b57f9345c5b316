/**
 * The inspection API as the console's survey page uses it: the day an inspector loads before
 * departure, and the answer to a signed return. Types only (the shapes themselves are the domain's
 * survey types), so the console's bundle pulls no server code.
 */
import type { FrameVillage, NotCheckedReason, SignedReturn, SurveyItem } from '@sanxian/domain';
import type { ExactList } from './staff-api';

export type { SignedReturn };

/** The domain's reasons a group, household, person or item was not checked, as a list the console can bundle. */
const REASON_LIST = ['absent', 'refused', 'moved-away', 'deceased', 'not-found', 'not-applicable'] as const satisfies readonly NotCheckedReason[];
export const SURVEY_NOT_CHECKED_REASONS: ExactList<NotCheckedReason, typeof REASON_LIST> = REASON_LIST;

/** A member of an inspection team, as the day names them (the ones who may sign its returns). */
export interface SurveyTeamMember {
  userId: string;
  username: string;
  leader: boolean;
}

/**
 * One drawn day of a campaign for the signed-in inspector's team: the points drawn (villages) with
 * their part of the frozen frame (every group, household and person the frame holds there), and
 * the items the plan checks. What the survey page keeps on the device to work offline.
 */
export interface SurveyDay {
  campaignId: string;
  drawId: string;
  /** The survey day, YYYY-MM-DD. */
  date: string;
  teamId: string;
  team: SurveyTeamMember[];
  /** The items the plan checks for each person (人不漏项). */
  items: SurveyItem[];
  villages: FrameVillage[];
}

/** The hub's answer to a signed return: taken now, or the same `returnId` already taken before. */
export interface ReturnReceipt {
  returnId: string;
  /** `accepted` the first time; `duplicate` when the hub already holds this return (nothing is stored twice). */
  outcome: 'accepted' | 'duplicate';
  receivedAt: string;
}

/** A member's public key as the survey page shows it for an admin to enroll. */
export interface InspectorPublicKey {
  keyId: string;
  algorithm: SignedReturn['signatures'][number]['algorithm'];
  /** Base64 of the SubjectPublicKeyInfo (DER). */
  publicKeySpki: string;
}
