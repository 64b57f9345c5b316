import type {
  FrameHousehold, FramePerson, FrameVillage, ItemEntry, ReturnGroup, ReturnHousehold, ReturnPerson, SurveyItem, SurveyReturn,
} from '@sanxian/domain';
import type { InspectionCampaignSummary } from '@sanxian/api-types';
import type { TeamMember } from './survey-store';
// The hub's own completeness rules (村不漏组、组不漏户、户不漏人、人不漏项) and items per role: an
// import-free file of the domain, which the console bundles by itself (the domain's index would
// bring Node modules into the browser).
import { itemsAsked, returnCompleteness } from '../../../../libs/domain/src/inspection/survey-completeness';

/** The items the hub asks of a person of the frame by role, or of a person the frame lacks (人不漏项). */
export function itemsFor(person: FramePerson | undefined): readonly SurveyItem[] {
  return itemsAsked(person);
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
 * Everything the return does not account for, in the frame's order, by the hub's own rules
 * (`returnCompleteness`): a frame group, household or person absent from the return, or marked not
 * checked without a reason; an item of a visited person with no entry. Households and persons the
 * inspector added are held to the same rules. The hub refuses a return (422) for the same list.
 */
export function missingFromReturn(value: SurveyReturn, village: FrameVillage): Missing[] {
  return returnCompleteness(village, value).map((problem) => missingAt(problem.path));
}

/** A problem's path as the domain writes it (`group 03 / household H1 / person C1:woman / item birthDate`), as parts. */
function missingAt(path: string): Missing {
  const at: Missing = { groupCode: '' };
  for (const part of path.split(' / ')) {
    const space = part.indexOf(' ');
    const [kind, key] = [part.slice(0, space), part.slice(space + 1)];
    if (kind === 'group') at.groupCode = key;
    else if (kind === 'household') at.householdKey = key;
    else if (kind === 'person') at.personKey = key;
    else if (kind === 'item') at.item = key as SurveyItem;
  }
  return at;
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
