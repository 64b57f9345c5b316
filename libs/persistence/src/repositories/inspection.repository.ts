import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PersonalDataCipher } from '../personal-data-cipher';
import {
  CAMPAIGN_RECORD_FORMAT, frameCounts,
  type CampaignDay, type CampaignDefinition, type CampaignPublicRecord, type CampaignState, type CampaignTeam, type DrawResult, type FrameCard,
  type SamplingDesign, type SamplingFrame,
} from '@sanxian/domain';

export interface CampaignRecord extends CampaignDefinition {
  id: string;
  countyCode: string;
  createdBy: string;
  createdAt: string;
  state: CampaignState;
  frozenAt: string | null;
  publishedAt: string | null;
}

export interface FreezeSummary {
  campaignId: string;
  asOf: string;
  frameHash: string;
  frameCounts: { villages: number; groups: number; households: number; persons: number };
  seedCommitment: string;
  frozenAt: string;
}

export interface CampaignFreeze {
  campaignId: string;
  asOf: string;
  frame: SamplingFrame;
  frameHash: string;
  seedCommitment: string;
  sealedSeed: string;
  frozenBy: string;
  frozenAt: string;
}

export interface DrawRecord {
  id: string;
  campaignId: string;
  day: string;
  teamId: string;
  drawnBy: string;
  drawnAt: string;
  publicValue: string;
  logHeads: { clientId: string; lastSeq: string; headHash: string }[];
  result: DrawResult;
  closedAt: string | null;
  closedBy: string | null;
}

export interface CampaignPublication {
  campaignId: string;
  seed: string;
  publishedBy: string;
  publishedAt: string;
}

const CAMPAIGN_SELECT = `
  SELECT c.*, f.frozen_at, p.published_at
  FROM inspection_campaign c
  LEFT JOIN inspection_freeze f ON f.campaign_id = c.id
  LEFT JOIN inspection_publication p ON p.campaign_id = c.id`;

function iso(value: unknown): string | null {
  return value === null || value === undefined ? null : value instanceof Date ? value.toISOString() : String(value);
}

function toCampaign(r: Record<string, any>): CampaignRecord {
  return {
    id: r.id, year: Number(r.year), period: r.period, countyCode: r.county_code, townshipCodes: r.township_codes,
    design: r.design as SamplingDesign, teams: r.teams as CampaignTeam[], days: r.days as CampaignDay[],
    createdBy: r.created_by, createdAt: iso(r.created_at)!,
    state: r.published_at ? 'published' : r.frozen_at ? 'frozen' : 'draft', frozenAt: iso(r.frozen_at), publishedAt: iso(r.published_at),
  };
}

function toDraw(r: Record<string, any>): DrawRecord {
  return {
    id: r.id, campaignId: r.campaign_id, day: iso(r.day)!, teamId: r.team_id, drawnBy: r.drawn_by, drawnAt: iso(r.drawn_at)!,
    publicValue: r.public_value, logHeads: r.log_heads, result: r.result, closedAt: iso(r.closed_at), closedBy: r.closed_by ?? null,
  };
}

/**
 * Spot-check campaigns and their evidence (frame, draws, day closes, publication), all
 * append-only: the database refuses UPDATE and DELETE of these tables.
 */
@Injectable()
export class InspectionRepository {
  constructor(
    private readonly db: DataSource,
    private readonly pii: PersonalDataCipher,
  ) {}

  async createCampaign(campaign: CampaignDefinition & { id: string; countyCode: string; createdBy: string }): Promise<void> {
    await this.db.query(
      `INSERT INTO inspection_campaign (id, year, period, county_code, township_codes, design, teams, days, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [campaign.id, campaign.year, campaign.period, campaign.countyCode, campaign.townshipCodes, JSON.stringify(campaign.design),
        JSON.stringify(campaign.teams), JSON.stringify(campaign.days), campaign.createdBy],
    );
  }

  async findCampaign(id: string): Promise<CampaignRecord | undefined> {
    const [row] = await this.db.query(`${CAMPAIGN_SELECT} WHERE c.id = $1`, [id]);
    return row && toCampaign(row);
  }

  /** Campaigns, newest first; `year` narrows. */
  async listCampaigns(filter: { year?: number } = {}): Promise<CampaignRecord[]> {
    const rows = await this.db.query(`${CAMPAIGN_SELECT} WHERE ($1::int IS NULL OR c.year = $1) ORDER BY c.created_at DESC, c.id`, [filter.year ?? null]);
    return rows.map(toCampaign);
  }

  /** Draws per campaign (how many made, how many closed), for lists. */
  async drawCounts(campaignIds: string[]): Promise<Map<string, { draws: number; closed: number }>> {
    const rows: { campaign_id: string; draws: number; closed: number }[] = await this.db.query(
      `SELECT d.campaign_id, count(*)::int AS draws, count(c.draw_id)::int AS closed
       FROM inspection_draw d LEFT JOIN inspection_day_close c ON c.draw_id = d.id
       WHERE d.campaign_id = ANY($1::uuid[]) GROUP BY d.campaign_id`,
      [campaignIds],
    );
    return new Map(rows.map((r) => [r.campaign_id, { draws: r.draws, closed: r.closed }]));
  }

  /**
   * The current registry cards of the given villages, as a frame reads them: every card not
   * marked moved-out or deceased, with its group, household number, woman, husband and children.
   * The one query of the inspection feature that reads names and citizen ids.
   */
  async cardsForFrame(townshipCodes: string[]): Promise<FrameCard[]> {
    const rows: Record<string, any>[] = await this.db.query(
      `SELECT w.card_id, w.region_code, w.group_code, w.household_number,
         w.citizen_id, w.name, w.birth_date::text AS birth_date, w.marital_status,
         h.citizen_id AS husband_citizen_id, h.name AS husband_name, h.birth_date::text AS husband_birth_date, h.card_id IS NOT NULL AS has_husband,
         COALESCE((SELECT json_agg(json_build_object('ordinal', c.ordinal, 'citizenId', c.citizen_id, 'name', c.name, 'sex', c.sex, 'birthDate', c.birth_date::text) ORDER BY c.ordinal)
           FROM registry_child c WHERE c.card_id = w.card_id), '[]') AS children
       FROM registry_woman w
       LEFT JOIN registry_husband h ON h.card_id = w.card_id
       WHERE w.township_code = ANY($1::text[]) AND w.residence_status NOT IN ('moved-out', 'deceased')
       ORDER BY w.card_id`,
      [townshipCodes],
    );
    return rows.map((r) => ({
      cardId: r.card_id,
      villageCode: r.region_code,
      groupCode: r.group_code,
      householdNumber: r.household_number,
      // Names and citizen ids are sealed at rest: opened here, the one place the frame reads them.
      woman: { citizenId: this.pii.open(r.citizen_id), name: this.pii.open(r.name), birthDate: r.birth_date, maritalStatus: r.marital_status },
      husband: r.has_husband ? { citizenId: this.pii.open(r.husband_citizen_id), name: this.pii.open(r.husband_name), birthDate: r.husband_birth_date } : null,
      children: r.children.map((c: Record<string, any>) => ({ ...c, citizenId: this.pii.open(c.citizenId), name: this.pii.open(c.name) })),
    }));
  }

  /** Freezes a campaign once: false when it already was. */
  async recordFreeze(freeze: Omit<CampaignFreeze, 'frozenAt'>): Promise<boolean> {
    const rows = await this.db.query(
      `INSERT INTO inspection_freeze (campaign_id, as_of, frame, frame_hash, frame_counts, seed_commitment, sealed_seed, frozen_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (campaign_id) DO NOTHING RETURNING campaign_id`,
      [freeze.campaignId, freeze.asOf, JSON.stringify(freeze.frame), freeze.frameHash, JSON.stringify(frameCounts(freeze.frame)), freeze.seedCommitment,
        freeze.sealedSeed, freeze.frozenBy],
    );
    return rows.length === 1;
  }

  /** The freeze without its frame (which may be large): hash, counts and commitment. */
  async findFreezeSummary(campaignId: string): Promise<FreezeSummary | undefined> {
    const [r] = await this.db.query(
      `SELECT campaign_id, as_of::text AS as_of, frame_hash, frame_counts, seed_commitment, frozen_at FROM inspection_freeze WHERE campaign_id = $1`,
      [campaignId],
    );
    return r && { campaignId: r.campaign_id, asOf: r.as_of, frameHash: r.frame_hash, frameCounts: r.frame_counts, seedCommitment: r.seed_commitment, frozenAt: iso(r.frozen_at)! };
  }

  /** The campaign's public record (frame, commitment, revealed seed, draws): what anyone recomputes the draws from. */
  async publicRecord(campaignId: string): Promise<CampaignPublicRecord | undefined> {
    const campaign = await this.findCampaign(campaignId);
    const freeze = await this.findFreeze(campaignId);
    if (!campaign || !freeze) return undefined;
    const publication = await this.findPublication(campaignId);
    return {
      format: CAMPAIGN_RECORD_FORMAT,
      campaignId,
      year: campaign.year,
      period: campaign.period,
      townshipCodes: campaign.townshipCodes,
      design: campaign.design,
      days: campaign.days,
      frame: freeze.frame,
      frameHash: freeze.frameHash,
      seedCommitment: freeze.seedCommitment,
      seed: publication?.seed ?? null,
      draws: (await this.listDraws(campaignId)).map((d) => ({
        id: d.id, day: d.day, teamId: d.teamId, drawnAt: d.drawnAt, publicValue: d.publicValue, logHeads: d.logHeads, villages: d.result.villages,
      })),
    };
  }

  async findFreeze(campaignId: string): Promise<CampaignFreeze | undefined> {
    const [r] = await this.db.query(`SELECT *, as_of::text AS as_of_text FROM inspection_freeze WHERE campaign_id = $1`, [campaignId]);
    return r && {
      campaignId: r.campaign_id, asOf: r.as_of_text, frame: r.frame, frameHash: r.frame_hash, seedCommitment: r.seed_commitment,
      sealedSeed: r.sealed_seed, frozenBy: r.frozen_by, frozenAt: iso(r.frozen_at)!,
    };
  }

  /**
   * Records a draw, once per (campaign, day, team), in the caller's transaction: false when one
   * was already made (the unique key decides between two leaders' clicks).
   */
  async recordDraw(tx: EntityManager | undefined, draw: Omit<DrawRecord, 'closedAt' | 'closedBy'>): Promise<boolean> {
    const rows = await (tx ?? this.db).query(
      `INSERT INTO inspection_draw (id, campaign_id, day, team_id, drawn_by, drawn_at, public_value, log_heads, result)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (campaign_id, day, team_id) DO NOTHING RETURNING id`,
      [draw.id, draw.campaignId, draw.day, draw.teamId, draw.drawnBy, draw.drawnAt, draw.publicValue, JSON.stringify(draw.logHeads), JSON.stringify(draw.result)],
    );
    return rows.length === 1;
  }

  async findDraw(campaignId: string, day: string, teamId: string): Promise<DrawRecord | undefined> {
    const [r] = await this.db.query(
      `SELECT d.*, d.day::text AS day, c.closed_at, c.closed_by FROM inspection_draw d LEFT JOIN inspection_day_close c ON c.draw_id = d.id
       WHERE d.campaign_id = $1 AND d.day = $2 AND d.team_id = $3`,
      [campaignId, day, teamId],
    );
    return r && toDraw(r);
  }

  async listDraws(campaignId: string): Promise<DrawRecord[]> {
    const rows = await this.db.query(
      `SELECT d.*, d.day::text AS day, c.closed_at, c.closed_by FROM inspection_draw d LEFT JOIN inspection_day_close c ON c.draw_id = d.id
       WHERE d.campaign_id = $1 ORDER BY d.day, d.team_id`,
      [campaignId],
    );
    return rows.map(toDraw);
  }

  /** Closes a day's draw once: false when it already was. */
  async recordClose(drawId: string, closedBy: string): Promise<boolean> {
    const rows = await this.db.query(
      `INSERT INTO inspection_day_close (draw_id, closed_by) VALUES ($1, $2) ON CONFLICT (draw_id) DO NOTHING RETURNING draw_id`,
      [drawId, closedBy],
    );
    return rows.length === 1;
  }

  /** Publishes a campaign once, revealing its seed: false when it already was. */
  async recordPublication(publication: Omit<CampaignPublication, 'publishedAt'>): Promise<boolean> {
    const rows = await this.db.query(
      `INSERT INTO inspection_publication (campaign_id, seed, published_by) VALUES ($1, $2, $3) ON CONFLICT (campaign_id) DO NOTHING RETURNING campaign_id`,
      [publication.campaignId, publication.seed, publication.publishedBy],
    );
    return rows.length === 1;
  }

  async findPublication(campaignId: string): Promise<CampaignPublication | undefined> {
    const [r] = await this.db.query(`SELECT * FROM inspection_publication WHERE campaign_id = $1`, [campaignId]);
    return r && { campaignId: r.campaign_id, seed: r.seed, publishedBy: r.published_by, publishedAt: iso(r.published_at)! };
  }
}
