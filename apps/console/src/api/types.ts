/** The staff API's answers, as the console reads them (see /docs for the full contract). */

export type StaffRole = 'admin' | 'county' | 'township' | 'inspector' | 'department';

export interface StaffUser {
  username: string;
  role: StaffRole;
  regionCode: string | null;
}

export interface Me extends StaffUser {
  userId: string;
}

export interface TokenResponse {
  accessToken: string;
  expiresAt: string;
  user: StaffUser;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export const DISCREPANCY_KINDS = [
  'birth-not-in-registry', 'birth-not-notified', 'birth-order-conflict', 'marital-status-conflict', 'moved-out-still-registered',
  'moved-in-not-registered', 'death-not-reflected', 'identity-conflict', 'unlinked-record',
] as const;
export type DiscrepancyKind = (typeof DISCREPANCY_KINDS)[number];

export const DISCREPANCY_STATUSES = ['open', 'resolved', 'resolved-by-data', 'dismissed'] as const;
export type DiscrepancyStatus = (typeof DISCREPANCY_STATUSES)[number];

export const RESOLUTION_ACTIONS = ['accept-agency', 'keep-registry', 'dismiss'] as const;
export type ResolutionAction = (typeof RESOLUTION_ACTIONS)[number];

export interface StaffRef {
  id: string;
  username: string;
}

export interface DiscrepancyItem {
  id: string;
  kind: DiscrepancyKind;
  status: DiscrepancyStatus;
  regionCode: string;
  townshipCode: string;
  dueAt: string;
  overdue: boolean;
  raisedAt: string;
  assignee: StaffRef | null;
  subject: { citizenId: string | null; name: string | null };
  cardId: string | null;
}

export interface EvidenceMessage {
  messageId: string;
  clientId: string;
  agency: string | null;
  kind: string;
  recordId: string;
  receivedAt: string;
  record: unknown;
}

export interface HistoryEntry {
  at: string;
  event: string;
  by: StaffRef | null;
  detail: Record<string, unknown> | null;
}

export interface DiscrepancyDetail extends DiscrepancyItem {
  subjectKey: Record<string, string>;
  closedAt: string | null;
  agencyValue: unknown;
  registryValue: unknown;
  evidence: { messageIds: string[]; recordIds: string[]; cardId: string | null; messages: EvidenceMessage[] };
  card: unknown;
  resolution: { action: ResolutionAction; comment: string; by: StaffRef; at: string } | null;
  history: HistoryEntry[];
}

export interface DiscrepancyCounts {
  byKind: Record<string, number>;
  byStatus: Record<string, number>;
  byTownship: { townshipCode: string; open: number; overdue: number; closed: number }[];
}

export type ReviewStatus = 'pending' | 'confirmed' | 'rejected';

export interface FieldWeight {
  level: string;
  weight: number;
}

export interface LinkReviewItem {
  id: string;
  status: ReviewStatus;
  townshipCode: string;
  score: number | null;
  method: string;
  candidate: { personKey: string; cardId: string | null; cardRole: string | null; citizenId: string | null } | null;
  record: { messageId: string; kind: string; role: string; name: string | null; citizenId: string | null };
  weights: Record<string, FieldWeight>;
}

export interface RegistryPerson {
  personKey: string;
  cardId: string;
  cardRole: string;
  regionCode: string;
  citizenId: string | null;
  name: string | null;
  sex: string | null;
  birthDate: string | null;
  relativeName: string | null;
}

export interface LinkReviewDetail extends LinkReviewItem {
  decision: string;
  candidates: number;
  review: { by: StaffRef | null; at: string | null; comment: string | null };
  record: LinkReviewItem['record'] & {
    recordId: string;
    clientId: string;
    event: string;
    eventDate: string;
    regionCode: string;
    sex: string | null;
    birthDate: string | null;
    citizenIdValid: boolean;
    relativeName: string | null;
  };
  registryPerson: RegistryPerson | null;
  discrepancyId: string | null;
}
