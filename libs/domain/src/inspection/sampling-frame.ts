import type { FrameGroup, FrameHousehold, FramePerson, SamplingFrame } from './survey-types';

/** A current registry card as the frame reads it: the household it names and the persons on it. */
export interface FrameCard {
  cardId: string;
  villageCode: string;
  groupCode: string | null;
  householdNumber: string | null;
  woman: { citizenId: string | null; name: string | null; birthDate: string | null; maritalStatus: string };
  husband: { citizenId: string | null; name: string | null; birthDate: string | null } | null;
  children: { ordinal: number; citizenId: string | null; name: string | null; sex: 'F' | 'M'; birthDate: string }[];
}

/** The group of a card that names none (未分组): the survey still visits it. */
export const UNGROUPED = '00';

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function personsOf(card: FrameCard): FramePerson[] {
  const persons: FramePerson[] = [
    {
      personKey: `${card.cardId}:woman`, cardId: card.cardId, role: 'woman', name: card.woman.name, citizenId: card.woman.citizenId,
      sex: 'F', birthDate: card.woman.birthDate, maritalStatus: card.woman.maritalStatus,
    },
  ];
  if (card.husband) {
    persons.push({ personKey: `${card.cardId}:husband`, cardId: card.cardId, role: 'husband', name: card.husband.name, citizenId: card.husband.citizenId, sex: 'M', birthDate: card.husband.birthDate });
  }
  for (const child of [...card.children].sort((a, b) => a.ordinal - b.ordinal)) {
    persons.push({ personKey: `${card.cardId}:child:${child.ordinal}`, cardId: card.cardId, role: 'child', name: child.name, citizenId: child.citizenId, sex: child.sex, birthDate: child.birthDate });
  }
  return persons;
}

/**
 * The sampling frame a campaign freezes: every village of its townships (from the region
 * directory, so a village without a card is still a point), each with its groups and households
 * as the registry's current cards name them. A card without a group is in group `00`; without a
 * household number it is a household of its own (`card:<cardId>`). Everything is ordered by code
 * or key, so the same registry gives the same bytes and the same hash.
 */
export function buildSamplingFrame(args: {
  countyCode: string;
  asOf: string;
  villages: readonly { villageCode: string; townshipCode: string }[];
  cards: readonly FrameCard[];
}): SamplingFrame {
  const households = new Map<string, Map<string, Map<string, FramePerson[]>>>();
  for (const card of args.cards) {
    const groups = households.get(card.villageCode) ?? new Map<string, Map<string, FramePerson[]>>();
    households.set(card.villageCode, groups);
    const group = card.groupCode ?? UNGROUPED;
    const inGroup = groups.get(group) ?? new Map<string, FramePerson[]>();
    groups.set(group, inGroup);
    const key = card.householdNumber ?? `card:${card.cardId}`;
    inGroup.set(key, [...(inGroup.get(key) ?? []), ...personsOf(card)]);
  }
  const villages = [...args.villages].sort((a, b) => compare(a.villageCode, b.villageCode));
  return {
    countyCode: args.countyCode,
    asOf: args.asOf,
    villages: villages.map((v) => ({
      villageCode: v.villageCode,
      townshipCode: v.townshipCode,
      groups: [...(households.get(v.villageCode) ?? new Map()).entries()]
        .sort(([a], [b]) => compare(a, b))
        .map(([groupCode, inGroup]): FrameGroup => ({
          groupCode,
          households: [...(inGroup as Map<string, FramePerson[]>).entries()]
            .sort(([a], [b]) => compare(a, b))
            .map(([householdKey, persons]): FrameHousehold => ({ householdKey, persons: [...persons].sort((a, b) => compare(a.personKey, b.personKey)) })),
        })),
    })),
  };
}

/** Counts of a frame: what a campaign's list shows. */
export function frameCounts(frame: SamplingFrame): { villages: number; groups: number; households: number; persons: number } {
  let groups = 0;
  let households = 0;
  let persons = 0;
  for (const v of frame.villages) {
    groups += v.groups.length;
    for (const g of v.groups) {
      households += g.households.length;
      for (const h of g.households) persons += h.persons.length;
    }
  }
  return { villages: frame.villages.length, groups, households, persons };
}
