/**
 * The staff API's requests and answers in their JSON form (timestamps are ISO strings), the ONE
 * declaration the api's controllers are typed against and the console reads (see /docs for the
 * full contract). Pure declarations: the few constant lists carry no imports, and the domain is
 * imported for its types only, so the console's bundle pulls no server code.
 */
import type {
  AssessmentLineId, BreakdownNode, DiscrepancyKind, IndicatorFacts, LedgerOutcome, LocalizedName, PersonDecision, RegionScope, StaffRole, UnitKind, UnitOutcome, UnitResult,
} from '@sanxian/domain';

export type { DiscrepancyKind, LocalizedName, StaffRole, UnitOutcome };

/**
 * What the server may hand to JSON.stringify for a `T`: a Date wherever `T` has a string, since
 * it is written as its ISO string. Controllers declare `Promise<Served<T>>`.
 */
export type Served<T> = T extends string
  ? T | Date
  : T extends readonly (infer U)[]
    ? Served<U>[]
    : T extends object
      ? { [K in keyof T]: Served<T[K]> }
      : T;

/** Lists every member of the union: one missing or misspelt is a compile error where the list is written. */
export type ExactList<Union extends string, List extends readonly Union[]> = [Union] extends [List[number]] ? List : never;

export interface StaffUser {
  username: string;
  role: StaffRole;
  regionCode: string | null;
}

export interface Me extends StaffUser {
  userId: string;
  scope: RegionScope;
}

export interface TokenResponse {
  accessToken: string;
  tokenType: 'Bearer';
  expiresAt: string;
  user: StaffUser;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const KIND_LIST = [
  'birth-not-in-registry', 'birth-not-notified', 'birth-order-conflict', 'marital-status-conflict', 'moved-out-still-registered',
  'moved-in-not-registered', 'death-not-reflected', 'identity-conflict', 'unlinked-record', 'spot-check-finding',
] as const satisfies readonly DiscrepancyKind[];
export const DISCREPANCY_KINDS: ExactList<DiscrepancyKind, typeof KIND_LIST> = KIND_LIST;

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

/** How staff closed a discrepancy: a resolution, or for an unlinked record the link review's decision (with its `factId`). */
export interface Resolution {
  action: ResolutionAction | 'confirm-link' | 'reject-link';
  comment: string;
  by: StaffRef;
  at: string;
  factId?: string;
}

export interface DiscrepancyDetail extends DiscrepancyItem {
  subjectKey: Record<string, string>;
  closedAt: string | null;
  agencyValue: unknown;
  registryValue: unknown;
  /** returnIds: a spot-check finding's signed survey return (GET /v1/survey-returns/{returnId}). */
  evidence: { messageIds: string[]; recordIds: string[]; cardId: string | null; returnIds: string[]; messages: EvidenceMessage[] };
  card: unknown;
  resolution: Resolution | null;
  history: HistoryEntry[];
}

export interface DiscrepancyCounts {
  /** Open discrepancies by kind. */
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
  candidate: { personKey: string; cardId: string | null; cardRole: string | null; citizenId: string | null; name: string | null } | null;
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
  /** The relative linkage compares: the husband's (a woman), the woman's (a husband or child). */
  relativeName: string | null;
}

export interface LinkReviewDetail extends LinkReviewItem {
  decision: string;
  candidates: number;
  runnerUp: unknown;
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
    /** The other person the record names (spouse, the child's other parent), as linkage compared. */
    relativeName: string | null;
  };
  /** The registry person proposed, as the registry holds them now. */
  registryPerson: RegistryPerson | null;
  /** The `unlinked-record` discrepancy this fact raised, if any. */
  discrepancyId: string | null;
}

// ---- the assessment (GET /v1/scoreboard…) -------------------------------------------------

const LINE_LIST = ['party-government', 'business', 'department'] as const satisfies readonly AssessmentLineId[];
export const ASSESSMENT_LINES: ExactList<AssessmentLineId, typeof LINE_LIST> = LINE_LIST;
export type AssessmentLine = AssessmentLineId;

export interface VetoView {
  vetoId: string;
  name: LocalizedName;
  checkId?: string;
  value?: number;
  note?: string;
  evidenceIds: string[];
}

/** An indicator's facts without their (possibly thousands of) evidence ids: the count, and where to page them. */
export interface FactsView extends Omit<IndicatorFacts, 'evidenceIds'> {
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

/** A unit's line on the scoreboard: the domain's result without its breakdown, the vetoes and top reasons as views. */
export interface ScoreboardEntry extends Pick<UnitResult, 'unitId' | 'name' | 'group' | 'rank' | 'score' | 'quality' | 'level' | 'yearEnd' | 'regular' | 'bonus' | 'penalty' | 'outcome'> {
  kind: UnitKind;
  /** The award tier's id; null without an award. */
  tier: string | null;
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

/** A node of a unit's score; the facts of an indicator and of each of its checks as a view. */
export interface BreakdownView extends Omit<BreakdownNode, 'facts' | 'children'> {
  facts?: FactsView;
  children: BreakdownView[];
}

export interface UnitBreakdown extends YearHeader {
  unit: ScoreboardEntry & { line: AssessmentLine; breakdown: BreakdownView };
}

/** One record behind a number: a message, a discrepancy or a family card (`found: false` when the hub holds no such row). */
export interface EvidenceRecord {
  evidenceId: string;
  type: 'message' | 'discrepancy' | 'card' | 'return' | 'reference';
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
  // return (a signed spot-check survey return): what it compared and found, item by item
  returnId?: string;
  campaignId?: string;
  surveyDate?: string;
  chainSeq?: string;
  itemsCompared?: number;
  itemsAgreeing?: number;
  birthsFound?: number;
  birthsRegistered?: number;
  findings?: { kind: string; path: string }[];
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
  /** Of `received`: an initial load or a history import, never late. */
  initialLoad: number;
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

/** A client's bulk load still open (deliveries sent with `?load=initial|history`): automatic reconciliation waits for it. */
export interface MonitorBulkLoad {
  clientId: string;
  agency: AgencyId;
  clientName: string;
  loads: ('initial' | 'history')[];
  openedAt: string;
  lastDeliveryAt: string;
  /** When it ends by itself if nothing more is sent and the client does not declare it complete. */
  quietEndsAt: string;
  batches: number;
  records: number;
  /** Of its batches, those not processed yet. */
  pendingBatches: number;
}

export interface Monitor {
  from: string;
  to: string;
  agency: AgencyId | null;
  lateAfterDays: number;
  totals: MonitorCounts;
  agencies: (MonitorCounts & { agency: AgencyId })[];
  days: { day: string; agency: AgencyId; received: number; initialLoad: number; late: number; rejected: number }[];
  stations: { agency: AgencyId; stationCode: string | null; stationName: LocalizedName | null; received: number; initialLoad: number; late: number; lateShare: number | null; rejected: number }[];
  rejectionReasons: { agency: AgencyId; kind: string; code: string; path: string; example: string | null; count: number }[];
  rejections: MonitorRejection[];
  dead: { total: number; items: DeadMessage[] };
  /** The bulk loads open now (whatever the period), and the quiet time that ends one (BULK_LOAD_QUIET_MS). */
  bulkLoads: { quietMs: number; open: MonitorBulkLoad[] };
}

export interface ReplayResult {
  messages: number;
  batches: number;
  enqueued: boolean;
}

// ---- the staff directory (GET /v1/staff) ---------------------------------------------------

export interface StaffEntry extends StaffUser {
  id: string;
}

/** A ranking group: its tie-break rule, and each tier whose quota split equal scores, with the criterion that decided. */
export interface ScoreboardGroup {
  id: string;
  name: LocalizedName;
  /** A village group: the unit (a township, an FP office) whose villages it ranks, and that unit's township code. */
  parent?: { unitId: string; townshipCode: string };
  tieBreakRule?: LocalizedName;
  tieBreaks?: { tierId: string; tierName: LocalizedName; quota: number; score: number; tiedUnitIds: string[]; awardedUnitIds: string[]; text: LocalizedName }[];
}

// ---- the year's ledger (GET /v1/assessments/{year}/ledger) --------------------------------

/** A unit's outcome as recorded when the year's results were published. */
export interface LedgerOutcomeView extends LedgerOutcome {
  id: string;
  planId: string;
  planVersion: number;
  year: number;
  recordedBy: string | null;
  recordedAt: string;
}

/** A decision about a person; a correction names the row it corrects, and the corrected row names its correction. */
export interface PersonDecisionView extends PersonDecision {
  id: string;
  kindName: LocalizedName;
  /** The row that corrects this one, if any: then this one is no longer in force. */
  correctedBy: string | null;
  recordedBy: string;
  recordedAt: string;
}

export interface YearLedgerView {
  year: number;
  planId: string;
  planVersion: number;
  publishedAt: string;
  /** What the awards pay in all, yuan. */
  prizeTotal: number;
  outcomes: LedgerOutcomeView[];
  decisions: PersonDecisionView[];
}

// ---- verification requests (协查) ----------------------------------------------------------

export const VERIFICATION_STATES = ['open', 'overdue', 'answered'] as const;
/** open: not answered, not yet due; overdue: not answered after its due date (China's date); answered. */
export type VerificationRequestState = (typeof VERIFICATION_STATES)[number];

/** An agency's answer to a verification request: a corrected record (its message) or a confirmation. */
export interface VerificationAnswerView {
  answer: 'corrected' | 'confirmed';
  comment: string | null;
  messageId: string | null;
  recordId: string | null;
  answeredAt: string;
  /** In a discrepancy's thread: the corrected record as the agency sent it. */
  record?: unknown;
}

/** A verification request (协查) from a discrepancy to the agency behind one of its records. */
export interface VerificationRequestItem {
  id: string;
  discrepancyId: string;
  townshipCode: string;
  agency: string;
  clientId: string;
  messageId: string;
  recordId: string;
  kind: string;
  question: string;
  crossCounty: boolean;
  requestedOn: string;
  dueAt: string;
  requestedAt: string;
  requestedBy: StaffRef | null;
  state: VerificationRequestState;
  answer: VerificationAnswerView | null;
}

/** A discrepancy's verification requests, oldest first. */
export interface VerificationThread {
  items: VerificationRequestItem[];
}

// ---- responsibility letters (责任书) -------------------------------------------------------

/** A unit's responsibility letter (目标管理责任书) for a year: who signed, when, and the targets of the plan version signed on. */
export interface ResponsibilityLetterView {
  id: string;
  year: number;
  planId: string;
  planVersion: number;
  unitId: string;
  unitName: LocalizedName;
  responsible: { name: string; post: string };
  signedOn: string;
  /** The letter this one replaces, if any. */
  supersedes: string | null;
  recordedAt: string;
  /** The .docx download. */
  document: string;
}

export interface ResponsibilityLetterDetail extends ResponsibilityLetterView {
  targets: { indicatorId: string; name: LocalizedName; points: number; target: number | null; requirement: LocalizedName }[];
  vetoes: LocalizedName[];
  awards: { name: LocalizedName; minScore: number; prize: number }[];
}

// ---- spot-check returns (/v1/signing-keys, /v1/survey-returns) -----------------------------------

/** An inspector's enrolled signing key: its public half only (the private key never leaves the device). */
export interface SigningKeyView {
  keyId: string;
  staffId: string;
  username: string;
  algorithm: 'Ed25519' | 'ECDSA-P256-SHA256';
  /** SPKI DER, base64. */
  publicKey: string;
  label: string | null;
  enrolledAt: string;
  revokedAt: string | null;
  revocationReason: string | null;
}

/** The answer to a synced return (schemas/survey/return-receipt.schema.json). */
export interface SurveyReturnReceipt {
  returnId: string;
  status: 'accepted' | 'duplicate';
  chainSeq: string;
  rowHash: string;
  contentHash: string;
  receivedAt: string;
  findings: number;
}

/** One reconciliation run, as `GET /v1/reconciliations` lists them (newest first). */
export interface ReconciliationRunItem {
  id: string;
  /** 'incremental': the people of the batches no run had covered yet; 'full': the county, or one township. */
  mode: 'incremental' | 'full';
  trigger: 'nightly' | 'on-demand' | 'intake' | 'sweep' | 'cli';
  townshipCode: string | null;
  status: 'running' | 'done' | 'failed';
  asOf: string;
  startedAt: string;
  finishedAt: string | null;
  /** What the run read and changed; null while it runs or if it failed. `raised` counts reopened ones too. */
  personsRead: number | null;
  factsRead: number | null;
  cardsRead: number | null;
  raised: number | null;
  closed: number | null;
  changed: number | null;
  /** The run's full summary (links, non-links by cause, found by kind). */
  counts: Record<string, unknown> | null;
  error: string | null;
  /** A full run in parts (a large county, shared by the workers): its townships, how many are linked and how many decided; null for other runs. */
  parts: { townships: number; linked: number; decided: number } | null;
}
