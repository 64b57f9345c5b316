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
  candidate: { personKey: string; cardId: string | null; cardRole: string | null; citizenId: string | null; name?: string | null } | null;
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

// ---- the assessment (GET /v1/scoreboard…) -------------------------------------------------

export const ASSESSMENT_LINES = ['party-government', 'business', 'department'] as const;
export type AssessmentLine = (typeof ASSESSMENT_LINES)[number];

export interface LocalizedName {
  zh: string;
  en: string;
}

export type UnitOutcome =
  | { kind: 'award'; tierId: string; name: LocalizedName; prize: number }
  | { kind: 'no-award'; name: LocalizedName }
  | { kind: 'yellow-card'; name: LocalizedName; reasons: LocalizedName[] };

export interface VetoView {
  vetoId: string;
  name: LocalizedName;
  checkId?: string;
  value?: number;
  note?: string;
  evidenceIds: string[];
}

export interface FactsView {
  checkId?: string;
  value?: number;
  numerator?: number;
  denominator?: number;
  target?: number;
  grade?: string;
  problem?: 'no value' | 'no target' | 'no grade';
  evidenceCount: number;
  /** Where the records behind the number are paged (indicators only). */
  records?: string;
}

export interface ReasonView {
  kind: 'veto' | 'indicator' | 'penalty' | 'period';
  key: string;
  name: LocalizedName;
  lostPoints: number | null;
  facts: FactsView[];
  evidenceCount: number;
  records?: string;
}

export interface ScoreboardEntry {
  unitId: string;
  name: LocalizedName;
  kind: 'township' | 'fp-office' | 'department' | 'station';
  group: string;
  rank: number;
  score: number;
  quality: number | null;
  level: number | null;
  yearEnd: number;
  regular: number | null;
  bonus: number;
  penalty: number;
  /** The award tier's id; null without an award. */
  tier: string | null;
  outcome: UnitOutcome;
  vetoes: VetoView[];
  reasons: ReasonView[];
}

interface YearHeader {
  year: number;
  planId: string;
  planVersion: number;
  published: boolean;
  publishedAt: string | null;
}

export interface Scoreboard extends YearHeader {
  lines: { line: AssessmentLine; name: LocalizedName; groups: ScoreboardGroup[]; units: ScoreboardEntry[] }[];
}

export interface BreakdownView {
  key: string;
  name: LocalizedName;
  score: number;
  max: number;
  weight?: number;
  factor?: number;
  fraction?: number;
  lost?: number;
  note?: string;
  facts?: FactsView & { evidenceIds?: string[] };
  children: BreakdownView[];
}

export interface UnitBreakdown extends YearHeader {
  unit: ScoreboardEntry & { line: AssessmentLine; breakdown: BreakdownView };
}

/** One record behind a number: a message, a discrepancy or a family card (`found: false` when the hub holds no such row). */
export interface EvidenceRecord {
  evidenceId: string;
  type: 'message' | 'discrepancy' | 'card' | 'reference';
  found: boolean;
  // message
  messageId?: string;
  kind?: string;
  recordId?: string;
  eventDate?: string;
  receivedAt?: string;
  daysToReceipt?: number;
  regionCode?: string;
  state?: string;
  client?: { id: string; agency: string | null; name: string | null };
  summary?: Record<string, unknown>;
  // discrepancy
  discrepancyId?: string;
  status?: string;
  dueAt?: string;
  townshipCode?: string;
  subject?: { name: string | null; citizenId: string | null };
  // card
  cardId?: string;
  version?: number;
  woman?: { name: string | null; citizenId: string | null };
  maritalStatus?: string;
  residenceStatus?: string;
}

export interface EvidencePage extends YearHeader {
  unitId: string;
  indicatorId: string;
  total: number;
  items: EvidenceRecord[];
  nextCursor: string | null;
}

// ---- the exchange monitor (GET /v1/exchange/monitor) --------------------------------------

export const AGENCIES = ['public-security', 'civil-affairs', 'health', 'family-planning'] as const;
export type AgencyId = (typeof AGENCIES)[number];

export interface MonitorCounts {
  received: number;
  late: number;
  lateShare: number | null;
  rejected: number;
  dead: number;
}

export interface MonitorRejection {
  id: string;
  clientId: string;
  agency: AgencyId;
  kind: string;
  recordId: string | null;
  stationCode: string | null;
  eventDate: string | null;
  errors: { path?: string; code?: string; message?: string }[];
  receivedAt: string;
}

export interface DeadMessage {
  messageId: string;
  clientId: string;
  agency: AgencyId;
  kind: string;
  recordId: string;
  batchId: string;
  receivedAt: string;
  diedAt: string;
  error: string | null;
}

export interface Monitor {
  from: string;
  to: string;
  agency: AgencyId | null;
  lateAfterDays: number;
  totals: MonitorCounts;
  agencies: (MonitorCounts & { agency: AgencyId })[];
  days: { day: string; agency: AgencyId; received: number; late: number; rejected: number }[];
  stations: { agency: AgencyId; stationCode: string | null; stationName: LocalizedName | null; received: number; late: number; lateShare: number | null; rejected: number }[];
  rejectionReasons: { agency: AgencyId; kind: string; code: string; path: string; example: string | null; count: number }[];
  rejections: MonitorRejection[];
  dead: { total: number; items: DeadMessage[] };
}

export interface ReplayResult {
  messages: number;
  batches: number;
  enqueued: boolean;
}

// ---- the staff directory (GET /v1/staff) ---------------------------------------------------

export interface StaffEntry {
  id: string;
  username: string;
  role: StaffRole;
  regionCode: string | null;
}

/** A ranking group: its tie-break rule, and each tier whose quota split equal scores, with the criterion that decided. */
export interface ScoreboardGroup {
  id: string;
  name: LocalizedName;
  tieBreakRule?: LocalizedName;
  tieBreaks?: { tierId: string; tierName: LocalizedName; quota: number; score: number; tiedUnitIds: string[]; awardedUnitIds: string[]; text: LocalizedName }[];
}
