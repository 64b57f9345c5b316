/**
 * What "accept the agency's value" does to the registry working copy, kind by kind: the one
 * change that makes the two sides agree, so that the next reconciliation finds nothing there.
 */
import type { DiscrepancyKind, MaritalStatus, Sex } from './types';

export type RegistryChange =
  | { op: 'add-child'; cardId: string; child: { sex: Sex; birthDate: string; birthOrder?: number } }
  | { op: 'remove-child'; cardId: string; match: { birthDate: string; sex: Sex } | { citizenId: string } }
  | { op: 'set-birth-order'; cardId: string; match: { birthDate: string; sex: Sex }; birthOrder: number }
  | { op: 'set-card'; cardId: string; maritalStatus?: MaritalStatus; residenceStatus?: 'moved-out' | 'deceased' }
  | { op: 'set-person'; cardId: string; citizenId: string; field: 'name' | 'sex' | 'birthDate'; value: string }
  | { op: 'create-card'; citizenId: string; regionCode: string };

export interface CorrectableDiscrepancy {
  kind: DiscrepancyKind;
  subject: Record<string, string>;
  cardId?: string | null;
  agencyValue: unknown;
  registryValue: unknown;
}

export class NotCorrectableError extends Error {}

export function registryChangeFor(d: CorrectableDiscrepancy): RegistryChange {
  const cardId = d.cardId ?? d.subject.cardId;
  const needCard = (): string => {
    if (!cardId) throw new NotCorrectableError(`${d.kind}: no card to correct`);
    return cardId;
  };
  switch (d.kind) {
    case 'birth-not-in-registry': {
      const agency = d.agencyValue as { childBirthDate: string; childSex: Sex };
      return { op: 'add-child', cardId: needCard(), child: { sex: agency.childSex, birthDate: agency.childBirthDate } };
    }
    case 'birth-not-notified':
      return { op: 'remove-child', cardId: needCard(), match: { birthDate: d.subject.childBirthDate, sex: d.subject.childSex as Sex } };
    case 'birth-order-conflict':
      return {
        op: 'set-birth-order', cardId: needCard(), match: { birthDate: d.subject.childBirthDate, sex: d.subject.childSex as Sex },
        birthOrder: Number(d.agencyValue),
      };
    case 'marital-status-conflict':
      return { op: 'set-card', cardId: needCard(), maritalStatus: d.agencyValue as MaritalStatus };
    case 'moved-out-still-registered':
      return { op: 'set-card', cardId: needCard(), residenceStatus: 'moved-out' };
    case 'death-not-reflected':
      if (d.registryValue === 'listed') return { op: 'remove-child', cardId: needCard(), match: { citizenId: d.subject.citizenId } };
      if (d.agencyValue === 'widowed') return { op: 'set-card', cardId: needCard(), maritalStatus: 'widowed' };
      return { op: 'set-card', cardId: needCard(), residenceStatus: 'deceased' };
    case 'moved-in-not-registered':
      return { op: 'create-card', citizenId: d.subject.citizenId, regionCode: String(d.agencyValue) };
    case 'identity-conflict': {
      if (d.registryValue === null || d.registryValue === undefined || typeof d.agencyValue !== 'string') {
        throw new NotCorrectableError('identity-conflict between agencies only: no registry value to correct');
      }
      return { op: 'set-person', cardId: needCard(), citizenId: d.subject.citizenId, field: d.subject.field as 'name' | 'sex' | 'birthDate', value: d.agencyValue };
    }
    case 'unlinked-record':
      throw new NotCorrectableError('unlinked-record: confirm or reject the link in the link review queue instead');
    case 'spot-check-finding':
      return spotCheckChange(d, needCard);
  }
}

/**
 * Accepting what a spot check found (the signed return is the evidence): the registry takes the survey's
 * value where the card can say it; anything else (a person the registry lacks entirely, a changed citizen
 * id) is entered by the township on the card itself, and the finding closed with keep-registry or dismiss.
 */
function spotCheckChange(d: CorrectableDiscrepancy, needCard: () => string): RegistryChange {
  const { finding, item, role, citizenId, reason } = d.subject;
  if (finding === 'birth-not-in-registry') {
    const child = d.agencyValue as { birthDate?: string; sex?: Sex };
    if (child?.birthDate && (child.sex === 'F' || child.sex === 'M')) return { op: 'add-child', cardId: needCard(), child: { sex: child.sex, birthDate: child.birthDate } };
    throw new NotCorrectableError('spot-check-finding: the survey did not record the child\'s sex; enter the child on the card by hand');
  }
  if (finding === 'item-differs' && item === 'maritalStatus' && typeof d.agencyValue === 'string') {
    return { op: 'set-card', cardId: needCard(), maritalStatus: d.agencyValue as MaritalStatus };
  }
  if (finding === 'item-differs' && (item === 'name' || item === 'sex' || item === 'birthDate') && citizenId && typeof d.agencyValue === 'string') {
    return { op: 'set-person', cardId: needCard(), citizenId, field: item, value: d.agencyValue };
  }
  if (finding === 'person-not-there' && role === 'woman' && (reason === 'moved-away' || reason === 'deceased')) {
    return { op: 'set-card', cardId: needCard(), residenceStatus: reason === 'moved-away' ? 'moved-out' : 'deceased' };
  }
  throw new NotCorrectableError(`spot-check-finding (${finding}${item ? ` of ${item}` : ''}): the card cannot take it as it is; correct the card by hand, then close the finding with keep-registry or dismiss`);
}
