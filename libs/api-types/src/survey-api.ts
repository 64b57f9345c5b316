/**
 * The spot-check API as the console's survey page uses it: the campaigns an inspector may see and
 * the leader's download of a day's drawn points with their frame part (the receipt of a synced
 * return is `SurveyReturnReceipt`, in staff-api.ts). Types only (the shapes of frames and returns
 * are the domain's), so the console's bundle pulls no server code.
 */
import type { FrameVillage, NotCheckedReason, SignedReturn } from '@sanxian/domain';
import type { ExactList } from './staff-api';

export type { SignedReturn };

/** The domain's reasons a group, household, person or item was not checked, as a list the console can bundle. */
const REASON_LIST = ['absent', 'refused', 'moved-away', 'deceased', 'not-found', 'not-applicable'] as const satisfies readonly NotCheckedReason[];
export const SURVEY_NOT_CHECKED_REASONS: ExactList<NotCheckedReason, typeof REASON_LIST> = REASON_LIST;

/** A campaign as `GET /v1/inspection/campaigns` lists it: the parts the survey page reads. */
export interface InspectionCampaignSummary {
  id: string;
  year: number;
  period: string;
  state: 'draft' | 'frozen' | 'published';
  teams: { teamId: string; leaderId: string; memberIds: string[] }[];
  days: { date: string; departure: string; assignments: { teamId: string; townshipCodes: string[] }[] }[];
}

/** `GET /v1/inspection/campaigns/{id}/days/{day}/teams/{team}/draw/frame`: the leader's download before departure. */
export interface DrawFrame {
  draw: { id: string; campaignId: string; day: string; teamId: string; drawnAt: string; closedAt: string | null };
  /** The drawn villages with every group, household and person of the frozen frame drawn there. */
  villages: FrameVillage[];
}
