import type {
  FrameHousehold, FramePerson, FrameVillage, ItemEntry, ReturnGroup, ReturnHousehold, ReturnPerson, SurveyItem, SurveyReturn,
} from '@sanxian/domain';
import type { InspectionCampaignSummary } from '@sanxian/api-types';
import type { TeamMember } from './survey-store';

/**
 * The items asked of each role (人不漏项), as the hub asks them (its DEFAULT_SURVEY_ITEMS): a woman
 * everything, a husband his identity and marriage, a child their identity, a person the frame
 * lacks their identity.
 */
export const ITEM_PLAN: Record<FramePerson['role'] | 'added', readonly SurveyItem[]> = {
  woman: ['name', 'citizenId', 'sex', 'birthDate', 'maritalStatus', 'children', 'contraception'],
  husband: ['name', 'citizenId', 'sex', 'birthDate', 'maritalStatus'],
  child: ['name', 'citizenId', 'sex', 'birthDate'],
  added: ['name', 'citizenId', 'sex', 'birthDate'],
};

export function itemsFor(person: FramePerson | undefined): readonly SurveyItem[] {
  return ITEM_PLAN[person?.role ?? 'added'];
}

/**
 * A return while it is filled: a SurveyReturn in which every group, household and person of the
 * frame is present from the start (visited, until marked otherwise with a reason) and an item has
 * its entry only once the inspector has checked it or given a reason. What is not accounted for
 * is what `missingFromReturn` lists; the return can be signed only when that list is empty.
 */

export function newDraft(params: { returnId: string; campaignId: string; drawId: string; surveyDate: string; village: FrameVillage }): SurveyReturn {
  const { village } = params;
  return {
    returnId: params.returnId,
    campaignId: params.campaignId,
    drawId: params.drawId,
    villageCode: village.villageCode,
    surveyDate: params.surveyDate,
    groups: village.groups.map((group): ReturnGroup => ({
      groupCode: group.groupCode,
      status: 'checked',
      households: group.households.map((household): ReturnHousehold => ({
        householdKey: household.householdKey,
        status: 'checked',
        persons: household.persons.map((person): ReturnPerson => ({ personKey: person.personKey, status: 'checked', items: [] })),
      })),
    })),
  };
}

/** One thing a return leaves out (村不漏组、组不漏户、户不漏人、人不漏项), where it is. */
export interface Missing {
  groupCode: string;
  householdKey?: string;
  personKey?: string;
  item?: SurveyItem;
}

/**
 * Everything the return does not account for, in the frame's order: a frame group, household or
 * person absent from the return, or marked not checked without a reason; an item of a visited
 * person with no entry. Households and persons the inspector added are held to the same rules.
 */
export function missingFromReturn(value: SurveyReturn, village: FrameVillage): Missing[] {
  const missing: Missing[] = [];
  const unaccounted = (node: { status: string; reason?: string } | undefined) => !node || (node.status === 'not-checked' && !node.reason);
  for (const frameGroup of village.groups) {
    const group = value.groups.find((g) => g.groupCode === frameGroup.groupCode);
    const where = { groupCode: frameGroup.groupCode };
    if (unaccounted(group)) {
      missing.push(where);
      continue;
    }
    if (group!.status === 'not-checked') continue;
    const households: FrameHousehold[] = [
      ...frameGroup.households,
      ...group!.households.filter((h) => h.added).map((h) => ({ householdKey: h.householdKey, persons: [] })),
    ];
    for (const frameHousehold of households) {
      const household = group!.households.find((h) => h.householdKey === frameHousehold.householdKey);
      const at = { ...where, householdKey: frameHousehold.householdKey };
      if (unaccounted(household)) {
        missing.push(at);
        continue;
      }
      if (household!.status === 'not-checked') continue;
      const added = household!.persons.filter((p) => !frameHousehold.persons.some((f) => f.personKey === p.personKey));
      for (const [personKey, framePerson] of [
        ...frameHousehold.persons.map((p) => [p.personKey, p] as const),
        ...added.map((p) => [p.personKey, undefined] as const),
      ]) {
        const person = household!.persons.find((p) => p.personKey === personKey);
        if (unaccounted(person)) {
          missing.push({ ...at, personKey });
          continue;
        }
        if (person!.status === 'not-checked') continue;
        for (const item of itemsFor(framePerson)) {
          const entry = person!.items.find((e) => e.item === item);
          if (!entry || (entry.status === 'not-checked' && !entry.reason)) missing.push({ ...at, personKey, item });
        }
      }
    }
  }
  return missing;
}

/** A woman's children as the registry holds them (the child persons of her family card), as the survey writes them. */
function frameChildren(woman: FramePerson, household: FrameHousehold | undefined): string {
  const children = (household?.persons ?? []).filter((p) => p.role === 'child' && p.cardId === woman.cardId && p.birthDate);
  return JSON.stringify(children.map((c) => ({ birthDate: c.birthDate!, ...(c.sex ? { sex: c.sex } : {}) })).sort((a, b) => a.birthDate.localeCompare(b.birthDate)));
}

/** The frame's value of an item for a person, as the inspector would check it (empty where the frame holds none). */
export function frameValue(person: FramePerson | undefined, item: SurveyItem, household?: FrameHousehold): string {
  if (!person) return '';
  switch (item) {
    case 'name': return person.name ?? '';
    case 'citizenId': return person.citizenId ?? '';
    case 'sex': return person.sex ?? '';
    case 'birthDate': return person.birthDate ?? '';
    case 'maritalStatus': return person.maritalStatus ?? '';
    case 'children': return person.role === 'woman' ? frameChildren(person, household) : '';
    default: return '';
  }
}

/** Sets (or replaces) one item's entry of a person. */
export function withItem(person: ReturnPerson, entry: ItemEntry): ReturnPerson {
  return { ...person, items: [...person.items.filter((e) => e.item !== entry.item), entry] };
}

/** The county's calendar day (China Standard Time) of an instant, YYYY-MM-DD: the day a team's draw is for. */
export function chinaDay(at: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** Which team a leader leads on a day, in which frozen campaign: what the survey page draws and loads. */
export function ledTeamDay(
  campaigns: readonly InspectionCampaignSummary[],
  staffId: string,
  day: string,
): { campaignId: string; day: string; teamId: string; team: TeamMember[] } | undefined {
  for (const campaign of campaigns) {
    if (campaign.state !== 'frozen') continue;
    for (const team of campaign.teams) {
      if (team.leaderId !== staffId) continue;
      if (!campaign.days.some((d) => d.date === day && d.assignments.some((a) => a.teamId === team.teamId))) continue;
      return {
        campaignId: campaign.id,
        day,
        teamId: team.teamId,
        team: [{ staffId: team.leaderId, leader: true }, ...team.memberIds.map((id) => ({ staffId: id, leader: false }))],
      };
    }
  }
  return undefined;
}
