import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { HUB_CONFIG, type HubConfig, loadRegionDirectory } from '@sanxian/contracts';
import {
  buildSamplingFrame, campaignProblems, checkDrawAllowed, departureAt, drawDay, frameCounts, frameHash, framePartOfDraw, publicValueOfHeads,
  seedCommitment, type CampaignDefinition, type CampaignPublicRecord, type CampaignVerification, type CampaignProblem, type DrawnVillage, type FrameVillage, type RegionDirectory, type RegionScope,
  type StaffRole,
  scopeTownship,
} from '@sanxian/domain';
import {
  InspectionRepository, MessageLogRepository, SECRET_BOX, SecretBox, StaffRepository,
  type CampaignRecord, type DrawRecord,
} from '@sanxian/persistence';
import { verifyAgainstLog } from './campaign-verification';
import { SurveyReturns } from '@sanxian/survey-returns';

/** Who asks: the signed-in staff user. */
export interface Viewer {
  userId: string;
  username: string;
  role: StaffRole;
  scope: RegionScope;
}

/** Why a use-case refused: the api answers 404, 403, 409 or 400 (naming the fields). */
export class InspectionRefusal extends Error {
  constructor(
    readonly kind: 'not-found' | 'forbidden' | 'conflict' | 'invalid',
    message: string,
    readonly problems: CampaignProblem[] = [],
  ) {
    super(message);
  }
}

/** A campaign as a list or a read shows it. */
export interface CampaignView extends CampaignRecord {
  seedCommitment: string | null;
  frameHash: string | null;
  frameAsOf: string | null;
  counts: { villages: number; groups: number; households: number; persons: number } | null;
  draws: number;
  closedDays: number;
}

/** A day's draw as a viewer may see it: the points only for the leader before the day is closed. */
export interface DrawView {
  id: string;
  campaignId: string;
  day: string;
  teamId: string;
  drawnAt: string;
  drawnBy: string;
  closedAt: string | null;
  publicValue: string;
  /** Null: the viewer may not see the points (yet). */
  villages: DrawnVillage[] | null;
}

/** China Standard Time's date of an instant: the county's day. */
export function chinaDay(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

const NOT_FOUND = (id: string) => new InspectionRefusal('not-found', `no campaign ${id}`);

/**
 * The spot-check campaign's use-cases (平时抽查): create, freeze (frame + sealed seed), the
 * leader's draw and day close, publication (seed revealed) and verification. Who may see what:
 * county users everything but the points of a day not yet closed; inspectors likewise, and a
 * team's leader its own points from the draw on; a township user nothing of a campaign until it
 * is published and covers the township (404, as for anything outside the user's scope).
 */
@Injectable()
export class InspectionCampaigns {
  private regions?: RegionDirectory;

  constructor(
    private readonly campaigns: InspectionRepository,
    private readonly staff: StaffRepository,
    private readonly log: MessageLogRepository,
    @Inject(SECRET_BOX) private readonly secrets: SecretBox,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly surveyReturns: SurveyReturns,
  ) {}

  private directory(): RegionDirectory {
    this.regions ??= loadRegionDirectory();
    return this.regions;
  }

  async create(viewer: Viewer, definition: CampaignDefinition): Promise<CampaignView> {
    const problems = campaignProblems(definition);
    const regions = this.directory();
    definition.townshipCodes.forEach((code, i) => {
      if (regions.get(code)?.level !== 'township') problems.push({ field: `townshipCodes.${i}`, message: `${code} is not a known township` });
    });
    const counties = new Set(definition.townshipCodes.map((c) => c.slice(0, 6)));
    if (counties.size > 1) problems.push({ field: 'townshipCodes', message: 'must all be townships of one county' });
    for (const [i, team] of definition.teams.entries()) {
      for (const [field, id] of [['leaderId', team.leaderId], ...team.memberIds.map((m, j) => [`memberIds.${j}`, m])] as [string, string][]) {
        const user = await this.staff.findEnabled(id);
        if (user?.role !== 'inspector') problems.push({ field: `teams.${i}.${field}`, message: `${id} is not an enabled staff user with the inspector role` });
      }
    }
    if (problems.length) throw new InspectionRefusal('invalid', problems.map((p) => `${p.field}: ${p.message}`).join('; '), problems);
    const id = randomUUID();
    await this.campaigns.createCampaign({ ...definition, id, countyCode: [...counties][0], createdBy: viewer.userId });
    await this.audit(viewer, 'inspection.campaign.create', id, { year: definition.year, period: definition.period, townshipCodes: definition.townshipCodes });
    return (await this.read(viewer, id))!;
  }

  /** The campaigns the viewer may see, newest first. */
  async list(viewer: Viewer, filter: { year?: number } = {}): Promise<CampaignView[]> {
    const visible = (await this.campaigns.listCampaigns(filter)).filter((c) => this.visible(viewer, c));
    const counts = await this.campaigns.drawCounts(visible.map((c) => c.id));
    return Promise.all(visible.map(async (c) => this.view(c, counts.get(c.id))));
  }

  async read(viewer: Viewer, id: string): Promise<CampaignView | undefined> {
    const campaign = await this.campaigns.findCampaign(id);
    if (!campaign || !this.visible(viewer, campaign)) return undefined;
    return this.view(campaign, (await this.campaigns.drawCounts([id])).get(id));
  }

  /**
   * Freezes the frame (the registry's current cards of the campaign's townships, today) with its
   * hash, and commits to a fresh secret seed: its SHA-256 is published, the seed sealed at rest.
   */
  async freeze(viewer: Viewer, id: string, now = new Date()): Promise<CampaignView> {
    const campaign = await this.visibleCampaign(viewer, id);
    this.refuseTownship(viewer, 'freezes');
    if (campaign.state !== 'draft') throw new InspectionRefusal('conflict', `the campaign is already ${campaign.state}`);
    const regions = this.directory();
    const villages = campaign.townshipCodes.flatMap((t) => regions.villages(t).map((v) => ({ villageCode: v.code, townshipCode: t })));
    const asOf = chinaDay(now);
    const frame = buildSamplingFrame({ countyCode: campaign.countyCode, asOf, villages, cards: await this.campaigns.cardsForFrame(campaign.townshipCodes) });
    const seed = randomBytes(32).toString('hex');
    const hash = frameHash(frame);
    const frozen = await this.campaigns.recordFreeze({
      campaignId: id, asOf, frame, frameHash: hash, seedCommitment: seedCommitment(seed), sealedSeed: this.secrets.seal(seed), frozenBy: viewer.userId,
    });
    if (!frozen) throw new InspectionRefusal('conflict', 'the campaign is already frozen');
    await this.audit(viewer, 'inspection.campaign.freeze', id, { frameHash: hash, ...frameCounts(frame) });
    return (await this.read(viewer, id))!;
  }

  /**
   * The day's draw for a team: only its leader, from INSPECTION_DRAW_LEAD_MINUTES before the
   * departure, once; it mixes in the hash of the message log's chain heads at that moment.
   */
  async draw(viewer: Viewer, id: string, day: string, teamId: string, now = new Date()): Promise<DrawView> {
    const campaign = await this.visibleCampaign(viewer, id);
    const { team, campaignDay, assignment } = this.teamDay(campaign, day, teamId);
    if (viewer.userId !== team.leaderId) throw new InspectionRefusal('forbidden', `only team ${teamId}'s leader draws its points`);
    if (campaign.state === 'draft') throw new InspectionRefusal('conflict', 'the campaign is not frozen yet: freeze it first');
    if (campaign.state === 'published') throw new InspectionRefusal('conflict', 'the campaign is published: no more draws');
    const existing = await this.campaigns.findDraw(id, day, teamId);
    const refusal = checkDrawAllowed({
      userId: viewer.userId, leaderId: team.leaderId, now, departureAt: departureAt(campaignDay), leadMinutes: this.config.inspectionDrawLeadMinutes, alreadyDrawn: !!existing,
    });
    if (refusal?.refused === 'not-leader') throw new InspectionRefusal('forbidden', `only team ${teamId}'s leader draws its points`);
    if (refusal?.refused === 'too-early') throw new InspectionRefusal('conflict', `too early: the draw opens at ${refusal.opensAt}`);
    if (refusal?.refused === 'already-drawn') throw new InspectionRefusal('conflict', `team ${teamId} has drawn for ${day} already`);
    const freeze = (await this.campaigns.findFreeze(id))!;
    const { heads } = await this.log.chainHeads();
    const logHeads = heads.map((h) => ({ clientId: h.clientId, lastSeq: h.lastSeq, headHash: h.headHash }));
    const publicValue = publicValueOfHeads(logHeads);
    const result = drawDay({
      seed: this.secrets.open(freeze.sealedSeed), campaignId: id, day, teamId, publicValue, townshipCodes: assignment.townshipCodes, design: campaign.design, frame: freeze.frame,
    });
    const drawId = randomUUID();
    const made = await this.campaigns.recordDraw(undefined, { id: drawId, campaignId: id, day, teamId, drawnBy: viewer.userId, drawnAt: now.toISOString(), publicValue, logHeads, result });
    if (!made) throw new InspectionRefusal('conflict', `team ${teamId} has drawn for ${day} already`);
    await this.audit(viewer, 'inspection.draw', drawId, { campaignId: id, day, teamId, publicValue });
    return this.drawView(viewer, campaign, (await this.campaigns.findDraw(id, day, teamId))!);
  }

  async readDraw(viewer: Viewer, id: string, day: string, teamId: string): Promise<DrawView> {
    const campaign = await this.visibleCampaign(viewer, id);
    this.teamDay(campaign, day, teamId);
    const draw = await this.campaigns.findDraw(id, day, teamId);
    if (!draw) throw new InspectionRefusal('not-found', `team ${teamId} has not drawn for ${day}`);
    if (viewer.role === 'township' && !this.drawTownships(campaign, draw).includes(this.townshipOf(viewer)!)) {
      throw new InspectionRefusal('not-found', `team ${teamId} has not drawn for ${day} in your township`);
    }
    return this.drawView(viewer, campaign, draw);
  }

  /** The leader's download before departure: the drawn villages with their part of the frame (names and ids: audited). */
  async drawFrame(viewer: Viewer, id: string, day: string, teamId: string): Promise<{ draw: DrawView; villages: FrameVillage[] }> {
    const campaign = await this.visibleCampaign(viewer, id);
    const { team } = this.teamDay(campaign, day, teamId);
    if (viewer.userId !== team.leaderId) throw new InspectionRefusal('forbidden', `only team ${teamId}'s leader loads its points`);
    const draw = await this.campaigns.findDraw(id, day, teamId);
    if (!draw) throw new InspectionRefusal('not-found', `team ${teamId} has not drawn for ${day}`);
    const freeze = (await this.campaigns.findFreeze(id))!;
    const villages = framePartOfDraw(freeze.frame, draw.result);
    await this.audit(viewer, 'inspection.draw.frame', draw.id, { campaignId: id, day, teamId, villages: villages.map((v) => v.villageCode) });
    return { draw: this.drawView(viewer, campaign, draw), villages };
  }

  /** The leader closes the day: from then on the team and the county see the points. */
  async closeDay(viewer: Viewer, id: string, day: string, teamId: string): Promise<DrawView> {
    const campaign = await this.visibleCampaign(viewer, id);
    const { team } = this.teamDay(campaign, day, teamId);
    if (viewer.userId !== team.leaderId) throw new InspectionRefusal('forbidden', `only team ${teamId}'s leader closes its day`);
    const draw = await this.campaigns.findDraw(id, day, teamId);
    if (!draw) throw new InspectionRefusal('conflict', `team ${teamId} has not drawn for ${day}: nothing to close`);
    if (!(await this.campaigns.recordClose(draw.id, viewer.userId))) throw new InspectionRefusal('conflict', `the day is closed already`);
    await this.audit(viewer, 'inspection.draw.close', draw.id, { campaignId: id, day, teamId });
    return this.drawView(viewer, campaign, (await this.campaigns.findDraw(id, day, teamId))!);
  }

  /** Publishes the campaign's results (the bureau's meeting): the seed is revealed, the inspected townships see it. Audited. */
  async publish(viewer: Viewer, id: string): Promise<CampaignView> {
    const campaign = await this.visibleCampaign(viewer, id);
    this.refuseTownship(viewer, 'publishes');
    if (campaign.state === 'draft') throw new InspectionRefusal('conflict', 'the campaign is not frozen: nothing to publish');
    const open = (await this.campaigns.listDraws(id)).filter((d) => !d.closedAt);
    if (open.length) throw new InspectionRefusal('conflict', `days not closed yet: ${open.map((d) => `${d.day} team ${d.teamId}`).join(', ')}`);
    const freeze = (await this.campaigns.findFreeze(id))!;
    if (!(await this.campaigns.recordPublication({ campaignId: id, seed: this.secrets.open(freeze.sealedSeed), publishedBy: viewer.userId }))) {
      throw new InspectionRefusal('conflict', 'the campaign is already published');
    }
    await this.audit(viewer, 'inspection.campaign.publish', id, { seedCommitment: freeze.seedCommitment });
    // Now, and not before, the inspected townships see what the returns found (libs/survey-returns).
    await this.surveyReturns.raiseFindings(id, { id: viewer.userId, username: viewer.username });
    return (await this.read(viewer, id))!;
  }

  /** Recomputes every draw of a published campaign from its public record. */
  async verify(viewer: Viewer, id: string): Promise<CampaignVerification> {
    const campaign = await this.visibleCampaign(viewer, id);
    if (campaign.state !== 'published') throw new InspectionRefusal('conflict', 'the campaign is not published: its seed is still sealed');
    return verifyAgainstLog(this.log, (await this.campaigns.publicRecord(id))!);
  }

  /** The public record of a published campaign (the frame names people: audited). */
  async publicRecord(viewer: Viewer, id: string): Promise<CampaignPublicRecord> {
    const campaign = await this.visibleCampaign(viewer, id);
    if (campaign.state !== 'published') throw new InspectionRefusal('conflict', 'the campaign is not published: its record is not public yet');
    const record = (await this.campaigns.publicRecord(id))!;
    await this.audit(viewer, 'inspection.campaign.record', id, { villages: record.frame.villages.length });
    return record;
  }

  /** A township user who can see a published campaign still does not run it. */
  private refuseTownship(viewer: Viewer, what: string): void {
    if (viewer.role === 'township') throw new InspectionRefusal('forbidden', `a county user ${what} a campaign`);
  }

  private async visibleCampaign(viewer: Viewer, id: string): Promise<CampaignRecord> {
    const campaign = await this.campaigns.findCampaign(id);
    if (!campaign || !this.visible(viewer, campaign)) throw NOT_FOUND(id);
    return campaign;
  }

  /** A township user sees a campaign once it is published, and only one that covers the township. */
  private visible(viewer: Viewer, campaign: CampaignRecord): boolean {
    const township = scopeTownship(viewer.scope);
    if (township === null) return true;
    return campaign.state === 'published' && campaign.townshipCodes.includes(township);
  }

  private townshipOf(viewer: Viewer): string | undefined {
    return scopeTownship(viewer.scope) ?? undefined;
  }

  private teamDay(campaign: CampaignRecord, day: string, teamId: string) {
    const campaignDay = campaign.days.find((d) => d.date === day);
    const assignment = campaignDay?.assignments.find((a) => a.teamId === teamId);
    const team = campaign.teams.find((t) => t.teamId === teamId);
    if (!campaignDay || !assignment || !team) throw new InspectionRefusal('not-found', `team ${teamId} does not go out on ${day} in this campaign`);
    return { campaignDay, assignment, team };
  }

  private drawTownships(campaign: CampaignRecord, draw: DrawRecord): string[] {
    return this.teamDay(campaign, draw.day, draw.teamId).assignment.townshipCodes;
  }

  private drawView(viewer: Viewer, campaign: CampaignRecord, draw: DrawRecord): DrawView {
    const leader = campaign.teams.find((t) => t.teamId === draw.teamId)?.leaderId;
    // 三不: until the day is closed only the leader knows the points.
    const seesPoints = viewer.userId === leader || (draw.closedAt !== null && viewer.role !== 'township') || campaign.state === 'published';
    const township = this.townshipOf(viewer);
    const villages = seesPoints ? draw.result.villages.filter((v) => township === undefined || v.townshipCode === township) : null;
    return {
      id: draw.id, campaignId: draw.campaignId, day: draw.day, teamId: draw.teamId, drawnAt: draw.drawnAt, drawnBy: draw.drawnBy,
      closedAt: draw.closedAt, publicValue: draw.publicValue, villages,
    };
  }

  private async view(campaign: CampaignRecord, counts: { draws: number; closed: number } | undefined): Promise<CampaignView> {
    const freeze = campaign.state === 'draft' ? undefined : await this.campaigns.findFreezeSummary(campaign.id);
    return {
      ...campaign,
      seedCommitment: freeze?.seedCommitment ?? null,
      frameHash: freeze?.frameHash ?? null,
      frameAsOf: freeze?.asOf ?? null,
      counts: freeze?.frameCounts ?? null,
      draws: counts?.draws ?? 0,
      closedDays: counts?.closed ?? 0,
    };
  }

  private audit(viewer: Viewer, action: string, target: string, detail: Record<string, unknown>): Promise<void> {
    return this.staff.audit({ userId: viewer.userId, username: viewer.username, action, target, detail });
  }
}
