import type { BirthPeriod, FrameVillage, RegionScope } from '@sanxian/domain';

/**
 * What the returns need to know of campaigns, frames and draws (libs/inspection owns them): the port this
 * library calls, bound in the module that puts both together (SPOT_CHECK_CAMPAIGNS).
 */

/** A drawn village as a return for it is checked: what it must account for, who may sign it. */
export interface ReturnContext {
  campaignId: string;
  drawId: string;
  villageCode: string;
  townshipCode: string;
  /** The frozen frame's drawn part of the village: every group and household of the draw, every person the frame holds. */
  expected: FrameVillage;
  /** The staff ids of the team's leader and members: each signature must be one of theirs. */
  teamMemberIds: readonly string[];
  /** The draw's day: a return's survey date must be it (or later, for an addendum). */
  day: string;
  /** The assessment period whose births 出生统计求实率 counts. */
  period: BirthPeriod;
  /** False once the campaign's results are published: no return or addendum is taken after. */
  open: boolean;
}

/** A published campaign, as the score takes it. */
export interface PublishedCampaign {
  campaignId: string;
  year: number;
  /** YYYY-MM-DD. */
  publishedOn: string;
}

export interface SpotCheckCampaigns {
  /** The context of a return for this draw and village, if the staff user is on the draw's team; undefined otherwise (a 404). */
  returnContext(campaignId: string, drawId: string, villageCode: string, staffId: string): Promise<ReturnContext | undefined>;
  /** The registry of a village as it stood on a day, in the frame's shape (groups, households, persons). */
  registryAsOf(villageCode: string, day: string): Promise<FrameVillage>;
  /** Whether a staff user may see a return of a campaign in a village: county-wide staff; a township or village user only once published, in their scope. */
  mayRead(campaignId: string, staff: { id: string; scope: RegionScope }, villageCode: string): Promise<boolean>;
  /** The year's published campaigns: only these count in the score. */
  publishedCampaigns(year: number): Promise<PublishedCampaign[]>;
}

export const SPOT_CHECK_CAMPAIGNS = Symbol('SPOT_CHECK_CAMPAIGNS');
