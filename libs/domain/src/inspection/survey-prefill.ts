import { DEFAULT_SURVEY_ITEMS, itemsAsked, type SurveyItemPlan } from './survey-completeness';
import type { FramePerson, FrameVillage, ReturnPerson, SurveyItem, SurveyReturn } from './survey-types';

/**
 * A return pre-filled from the frame's part of a village: every group, household and person checked, every
 * item the plan asks with the value the frame holds (contraception, which the registry does not hold, empty).
 * What a survey form starts from before the inspector records what they find at the door.
 */
export function prefilledReturn(
  village: FrameVillage,
  header: Pick<SurveyReturn, 'returnId' | 'campaignId' | 'drawId' | 'surveyDate'>,
  plan: SurveyItemPlan = DEFAULT_SURVEY_ITEMS,
): SurveyReturn {
  return {
    ...header,
    villageCode: village.villageCode,
    groups: village.groups.map((group) => ({
      groupCode: group.groupCode,
      status: 'checked',
      households: group.households.map((household) => {
        const childrenOf = (cardId: string) => household.persons.filter((p) => p.role === 'child' && p.cardId === cardId);
        return { householdKey: household.householdKey, status: 'checked', persons: household.persons.map((p) => prefilledPerson(p, childrenOf, plan)) };
      }),
    })),
  };
}

function prefilledPerson(person: FramePerson, childrenOf: (cardId: string) => FramePerson[], plan: SurveyItemPlan): ReturnPerson {
  return {
    personKey: person.personKey,
    status: 'checked',
    items: itemsAsked(person, plan).map((item) => ({ item, status: 'checked', value: frameValue(person, item, childrenOf) })),
  };
}

/** The value of an item as the frame holds it; children as the survey writes them (the JSON list of their birth dates). */
function frameValue(person: FramePerson, item: SurveyItem, childrenOf: (cardId: string) => FramePerson[]): string | null {
  switch (item) {
    case 'name': return person.name;
    case 'citizenId': return person.citizenId;
    case 'sex': return person.sex;
    case 'birthDate': return person.birthDate;
    case 'maritalStatus': return person.maritalStatus ?? null;
    case 'children': return JSON.stringify(childrenOf(person.cardId).map((c) => ({ birthDate: c.birthDate })));
    default: return null;
  }
}
