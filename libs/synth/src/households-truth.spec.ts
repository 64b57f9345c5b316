import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GROUPS_PER_VILLAGE, groupsInVillage } from './county.generator';
import { generateCounty } from './generate-county';
import type { HouseholdTruth, RegistryCardRecord } from './synth-records.types';

/*
 * Groups (村民小组) and households (户) on the cards, and the truth of who lives in each
 * household: what a spot check's frame is built from and what its returns are made from.
 */

const root = mkdtempSync(join(tmpdir(), 'synth-households-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function lines<T>(file: string): T[] {
  const text = readFileSync(file, 'utf8');
  return text === '' ? [] : text.trimEnd().split('\n').map((line) => JSON.parse(line) as T);
}

let cards: RegistryCardRecord[];
let households: HouseholdTruth[];
beforeAll(async () => {
  const out = join(root, 'county');
  await generateCounty({ people: 4000, seed: '7', out });
  cards = lines<RegistryCardRecord>(join(out, 'registry-cards.ndjson'));
  households = lines<HouseholdTruth>(join(out, 'truth/households.ndjson'));
}, 120_000);

describe('groups and households of the synthetic county', () => {
  it('numbers a village of the real county\'s size in 6–15 groups, and keeps two at the demo\'s size', () => {
    expect(groupsInVillage(1_300)).toBe(7);
    expect(groupsInVillage(2_000)).toBe(10);
    expect(groupsInVillage(50_000)).toBe(GROUPS_PER_VILLAGE.max);
    expect(groupsInVillage(30)).toBe(GROUPS_PER_VILLAGE.min);
  });

  it('writes a two-digit group on every card, and the household number on every card of a hukou household', () => {
    const byId = new Map(households.map((h) => [h.householdId, h]));
    expect(cards.length).toBeGreaterThan(500);
    for (const card of cards) {
      expect(card.groupCode).toMatch(/^[0-9]{2}$/);
      if (card.householdNumber === undefined) continue;
      const household = byId.get(card.householdNumber);
      expect(household && { village: household.villageCode, group: household.groupCode, floatingIn: household.floatingIn }).toEqual({
        village: card.regionCode, group: card.groupCode, floatingIn: false,
      });
    }
    const floatingIn = new Set(households.filter((h) => h.floatingIn).map((h) => h.villageCode));
    // Floating-in households' cards carry no household number (their hukou is elsewhere).
    expect(floatingIn.size).toBeGreaterThan(0);
    expect(cards.filter((c) => c.householdNumber === undefined).length).toBeGreaterThan(0);
  });

  it('uses more than one group in a village, and every group within its bound', () => {
    const groupsByVillage = new Map<string, Set<string>>();
    for (const h of households) groupsByVillage.set(h.villageCode, (groupsByVillage.get(h.villageCode) ?? new Set()).add(h.groupCode));
    expect([...groupsByVillage.values()].some((g) => g.size > 1)).toBe(true);
    for (const groups of groupsByVillage.values()) for (const g of groups) expect(Number(g)).toBeLessThanOrEqual(GROUPS_PER_VILLAGE.max);
  });

  it('keeps who really lives in each household, their cards and their children', () => {
    const cardIds = new Set(cards.map((c) => c.cardId));
    const members = households.flatMap((h) => h.members);
    expect(members.length).toBeGreaterThan(3000);
    for (const m of members) expect(m.id).toMatch(/^([0-9]{17}[0-9X]|SYN-.+)$/);
    const withCards = members.filter((m) => m.cardId);
    expect(withCards.length).toBeGreaterThan(300);
    for (const m of withCards) expect(cardIds.has(m.cardId!)).toBe(true);
    expect(members.some((m) => m.away)).toBe(true);
    expect(members.some((m) => (m.children ?? []).length > 0)).toBe(true);
  });
});
