import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { RegistryChange } from '@sanxian/domain';
import { PersonalDataCipher } from '../personal-data-cipher';
import { returning } from '../returning';

export interface RegistryChild {
  ordinal: number;
  citizenId: string | null;
  name: string | null;
  sex: 'M' | 'F';
  birthDate: string;
  birthOrder: number;
  policyCompliant: boolean;
}

export interface RegistryCard {
  cardId: string;
  version: number;
  messageId: string;
  eventDate: string;
  regionCode: string;
  /** The villagers' group (村民小组) of her household, where the card names it. */
  groupCode: string | null;
  /** The police household number (户号) of her household, where the card names it. */
  householdNumber: string | null;
  woman: { citizenId: string | null; citizenIdValid: boolean; name: string | null; birthDate: string | null; hukouRegionCode: string | null };
  maritalStatus: string;
  marriageDate: string | null;
  residenceStatus: string;
  husband: { citizenId: string | null; name: string | null; birthDate: string | null } | null;
  children: RegistryChild[];
}

/**
 * Projects registry-card messages (already turned into facts in the same transaction) onto the
 * registry: every version is kept; the current rows move only forward (a higher version wins,
 * whatever order the messages arrive in), so replays and out-of-order batches are harmless. Citizen ids and
 * names are copied sealed, as the facts hold them, with the ids' keyed hashes (see PersonalDataCipher).
 */
export async function projectRegistryCards(tx: EntityManager, messageIds: string[]): Promise<number> {
  await tx.query(
    `INSERT INTO registry_card_version (card_id, version, message_id, event_date, received_at, region_code, woman_citizen_id,
       woman_citizen_id_valid, woman_name, woman_birth_date, hukou_region_code, marital_status, marriage_date, residence_status,
       group_code, household_number, woman_citizen_id_hash)
     SELECT f.detail->>'cardId', (f.detail->>'version')::int, f.message_id, f.event_date, f.received_at, f.region_code, f.citizen_id,
       f.citizen_id_valid, f.name, f.birth_date, f.detail->>'hukouRegionCode', f.detail->>'maritalStatus', (f.detail->>'marriageDate')::date,
       f.detail->>'residenceStatus', f.detail->>'groupCode', f.detail->>'householdNumber', f.citizen_id_hash
     FROM canonical_fact f
     WHERE f.message_id = ANY($1::uuid[]) AND f.role = 'woman'
     ON CONFLICT (card_id, version) DO NOTHING`,
    [messageIds],
  );
  const changed: { card_id: string; message_id: string }[] = await tx.query(
    `WITH touched AS (
       SELECT DISTINCT detail->>'cardId' AS card_id FROM canonical_fact WHERE message_id = ANY($1::uuid[]) AND role = 'woman'),
     latest AS (
       -- Each touched card's highest version by a primary-key probe, never a scan of all versions.
       SELECT v.* FROM touched t
       CROSS JOIN LATERAL (SELECT * FROM registry_card_version WHERE card_id = t.card_id ORDER BY version DESC LIMIT 1) v),
     upserted AS (
       INSERT INTO registry_woman AS w (card_id, version, message_id, event_date, region_code, township_code, citizen_id, citizen_id_valid,
         name, birth_date, hukou_region_code, marital_status, marriage_date, residence_status, group_code, household_number, citizen_id_hash)
       SELECT card_id, version, message_id, event_date, region_code, left(region_code, 9), woman_citizen_id, woman_citizen_id_valid,
         woman_name, woman_birth_date, hukou_region_code, marital_status, marriage_date, residence_status, group_code, household_number, woman_citizen_id_hash
       FROM latest
       ON CONFLICT (card_id) DO UPDATE SET
         version = EXCLUDED.version, message_id = EXCLUDED.message_id, event_date = EXCLUDED.event_date,
         region_code = EXCLUDED.region_code, township_code = EXCLUDED.township_code, citizen_id = EXCLUDED.citizen_id,
         citizen_id_hash = EXCLUDED.citizen_id_hash, citizen_id_valid = EXCLUDED.citizen_id_valid, name = EXCLUDED.name, birth_date = EXCLUDED.birth_date,
         hukou_region_code = EXCLUDED.hukou_region_code, marital_status = EXCLUDED.marital_status,
         marriage_date = EXCLUDED.marriage_date, residence_status = EXCLUDED.residence_status,
         group_code = EXCLUDED.group_code, household_number = EXCLUDED.household_number, updated_at = now()
       WHERE w.version < EXCLUDED.version
       RETURNING card_id, message_id)
     SELECT card_id, message_id FROM upserted`,
    [messageIds],
  );
  if (!changed.length) return 0;
  const cards = changed.map((c) => c.card_id);
  const messages = changed.map((c) => c.message_id);
  await tx.query(`DELETE FROM registry_husband WHERE card_id = ANY($1::text[])`, [cards]);
  await tx.query(`DELETE FROM registry_child WHERE card_id = ANY($1::text[])`, [cards]);
  await tx.query(
    `INSERT INTO registry_husband (card_id, citizen_id, citizen_id_valid, name, birth_date, citizen_id_hash)
     SELECT f.detail->>'cardId', f.citizen_id, f.citizen_id_valid, f.name, f.birth_date, f.citizen_id_hash
     FROM canonical_fact f WHERE f.message_id = ANY($1::uuid[]) AND f.role = 'husband'`,
    [messages],
  );
  await tx.query(
    `INSERT INTO registry_child (card_id, ordinal, citizen_id, citizen_id_valid, name, sex, birth_date, birth_order, policy_compliant, citizen_id_hash)
     SELECT f.detail->>'cardId', f.ordinal, f.citizen_id, f.citizen_id_valid, f.name, f.sex, f.birth_date,
       (f.detail->>'birthOrder')::smallint, (f.detail->>'policyCompliant')::boolean, f.citizen_id_hash
     FROM canonical_fact f WHERE f.message_id = ANY($1::uuid[]) AND f.role = 'child'`,
    [messages],
  );
  return changed.length;
}

@Injectable()
export class RegistryRepository {
  constructor(
    private readonly db: DataSource,
    private readonly pii: PersonalDataCipher,
  ) {}

  /** The current card (highest version) with its husband and children. */
  async currentCard(cardId: string): Promise<RegistryCard | undefined> {
    const [w] = await this.db.query(`SELECT * FROM registry_woman WHERE card_id = $1`, [cardId]);
    if (!w) return undefined;
    const [h] = await this.db.query(`SELECT * FROM registry_husband WHERE card_id = $1`, [cardId]);
    const children = await this.db.query(`SELECT * FROM registry_child WHERE card_id = $1 ORDER BY ordinal`, [cardId]);
    return toCard(this.pii, w, h, children);
  }

  /**
   * The card as the registry held it on a date: the highest version whose change date is on or
   * before it, rebuilt from the version row and the facts of the message behind it.
   */
  async cardAsOf(cardId: string, date: string): Promise<RegistryCard | undefined> {
    const [v] = await this.db.query(
      `SELECT * FROM registry_card_version WHERE card_id = $1 AND event_date <= $2 ORDER BY version DESC LIMIT 1`,
      [cardId, date],
    );
    if (!v) return undefined;
    const facts = await this.db.query(
      `SELECT role, ordinal, citizen_id, citizen_id_valid, name, sex, birth_date, detail FROM canonical_fact
       WHERE message_id = $1 AND role IN ('husband', 'child') ORDER BY role, ordinal`,
      [v.message_id],
    );
    const husband = facts.find((f: { role: string }) => f.role === 'husband');
    const children = facts
      .filter((f: { role: string }) => f.role === 'child')
      .map((f: Record<string, any>) => ({ ...f, birth_order: Number(f.detail.birthOrder), policy_compliant: f.detail.policyCompliant }));
    return toCard(
      this.pii,
      { ...v, citizen_id: v.woman_citizen_id, citizen_id_valid: v.woman_citizen_id_valid, name: v.woman_name, birth_date: v.woman_birth_date },
      husband,
      children,
    );
  }

  async countCurrent(): Promise<{ cards: number; husbands: number; children: number; versions: number }> {
    const [row] = await this.db.query(`SELECT
      (SELECT count(*)::int FROM registry_woman) AS cards, (SELECT count(*)::int FROM registry_husband) AS husbands,
      (SELECT count(*)::int FROM registry_child) AS children, (SELECT count(*)::int FROM registry_card_version) AS versions`);
    return row;
  }

  /** A staff correction applied to the working copy, in the caller's transaction: see applyRegistryChange. */
  applyCorrection(tx: EntityManager, change: Exclude<RegistryChange, { op: 'create-card' }>) {
    return applyRegistryChange(tx, change, this.pii);
  }

  /** The provenance of a correction: which card, which discrepancy, what change, whose decision. */
  async recordCorrection(tx: EntityManager, correction: { cardId: string; discrepancyId: string; change: RegistryChange; staffId: string }): Promise<void> {
    await tx.query(`INSERT INTO registry_correction (card_id, discrepancy_id, change, staff_id) VALUES ($1, $2, $3, $4)`, [
      correction.cardId, correction.discrepancyId, JSON.stringify(correction.change), correction.staffId,
    ]);
  }
}

function day(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** A card as the repository gives it: citizen ids and names opened. */
function toCard(pii: PersonalDataCipher, w: Record<string, any>, h: Record<string, any> | undefined, children: Record<string, any>[]): RegistryCard {
  return {
    cardId: w.card_id,
    version: Number(w.version),
    messageId: w.message_id,
    eventDate: day(w.event_date)!,
    regionCode: w.region_code,
    groupCode: w.group_code ?? null,
    householdNumber: w.household_number ?? null,
    woman: { citizenId: pii.open(w.citizen_id), citizenIdValid: w.citizen_id_valid, name: pii.open(w.name), birthDate: day(w.birth_date), hukouRegionCode: w.hukou_region_code },
    maritalStatus: w.marital_status,
    marriageDate: day(w.marriage_date),
    residenceStatus: w.residence_status,
    husband: h ? { citizenId: pii.open(h.citizen_id), name: pii.open(h.name), birthDate: day(h.birth_date) } : null,
    children: children.map((c) => ({
      ordinal: Number(c.ordinal), citizenId: pii.open(c.citizen_id), name: pii.open(c.name), sex: c.sex, birthDate: day(c.birth_date)!,
      birthOrder: Number(c.birth_order), policyCompliant: Boolean(c.policy_compliant),
    })),
  };
}

const PERSON_COLUMNS = { name: 'name', birthDate: 'birth_date', sex: 'sex' } as const;

/**
 * Applies one registry change to the working copy (the card's updated_at moves with it), in the
 * caller's transaction. Answers the card and the message behind it (undefined: no such card) and
 * whether any row changed; the caller refuses, rolling back, when nothing did.
 */
export async function applyRegistryChange(
  tx: EntityManager,
  change: Exclude<RegistryChange, { op: 'create-card' }>,
  pii: PersonalDataCipher,
): Promise<{ card: { cardId: string; messageId: string } | undefined; changed: boolean }> {
  const [card] = await returning(tx, `UPDATE registry_woman SET updated_at = now() WHERE card_id = $1 RETURNING card_id, message_id`, [change.cardId]);
  if (!card) return { card: undefined, changed: false };
  // The child a birth date and sex name, within a day as matching goes, the closest first.
  const childByBirth = (dateParam: string, sexParam: string) =>
    `SELECT ordinal FROM registry_child WHERE card_id = $1 AND sex = ${sexParam} AND birth_date BETWEEN ${dateParam}::date - 1 AND ${dateParam}::date + 1
     ORDER BY abs(birth_date - ${dateParam}::date), ordinal LIMIT 1`;
  let changed: unknown[] = [];
  switch (change.op) {
    case 'set-card':
      changed = await returning(
        tx,
        `UPDATE registry_woman SET marital_status = COALESCE($2, marital_status), residence_status = COALESCE($3, residence_status)
         WHERE card_id = $1 RETURNING 1`,
        [change.cardId, change.maritalStatus ?? null, change.residenceStatus ?? null],
      );
      break;
    case 'add-child':
      // Name and id follow from the card's next version; until then the child is known by birth.
      // Policy compliance is the family-planning office's judgement: assumed until it says otherwise.
      changed = await tx.query(
        `INSERT INTO registry_child (card_id, ordinal, citizen_id, citizen_id_valid, name, sex, birth_date, birth_order, policy_compliant)
         SELECT $1, COALESCE(max(ordinal) + 1, 0), NULL, false, NULL, $2, $3::date, COALESCE($4, 1 + count(*) FILTER (WHERE birth_date < $3::date)), true
         FROM registry_child WHERE card_id = $1
         RETURNING 1`,
        [change.cardId, change.child.sex, change.child.birthDate, change.child.birthOrder ?? null],
      );
      break;
    case 'remove-child':
      changed = 'citizenId' in change.match
        ? await returning(tx, `DELETE FROM registry_child WHERE card_id = $1 AND citizen_id_hash = $2 RETURNING 1`, [change.cardId, pii.lookup(change.match.citizenId)])
        : await returning(tx, `DELETE FROM registry_child WHERE card_id = $1 AND ordinal = (${childByBirth('$2', '$3')}) RETURNING 1`, [
            change.cardId, change.match.birthDate, change.match.sex,
          ]);
      break;
    case 'set-birth-order':
      changed = await returning(tx, `UPDATE registry_child SET birth_order = $4 WHERE card_id = $1 AND ordinal = (${childByBirth('$2', '$3')}) RETURNING 1`, [
        change.cardId, change.match.birthDate, change.match.sex, change.birthOrder,
      ]);
      break;
    case 'set-person': {
      const column = PERSON_COLUMNS[change.field];
      // Persons are found by their id's keyed hash; a name is stored sealed.
      const args = [change.cardId, pii.lookup(change.citizenId), change.field === 'name' ? pii.seal(change.value) : change.value];
      // The registry keeps no sex for the woman (a card is a woman's) nor the husband.
      if (change.field !== 'sex') {
        changed.push(...(await returning(tx, `UPDATE registry_woman SET ${column} = $3 WHERE card_id = $1 AND citizen_id_hash = $2 RETURNING 1`, args)));
        changed.push(...(await returning(tx, `UPDATE registry_husband SET ${column} = $3 WHERE card_id = $1 AND citizen_id_hash = $2 RETURNING 1`, args)));
      }
      changed.push(...(await returning(tx, `UPDATE registry_child SET ${column} = $3 WHERE card_id = $1 AND citizen_id_hash = $2 RETURNING 1`, args)));
      break;
    }
  }
  return { card: { cardId: card.card_id, messageId: card.message_id }, changed: changed.length > 0 };
}
