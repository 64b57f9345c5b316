/**
 * The one typed registry of queues, job names and payloads. Payloads carry ids only:
 * the database holds the state, so a job lost or run twice changes nothing.
 */
export enum QueueName {
  Intake = 'intake',
  Reconcile = 'reconcile',
  /** The parts of a full run in parts (a BullMQ flow), shared by every worker process. */
  ReconcileParts = 'reconcile-parts',
  Indicators = 'indicators',
  Checkpoint = 'checkpoint',
  Housekeeping = 'housekeeping',
}

export enum JobName {
  IntakeBatch = 'intake.batch',
  ReconcileRun = 'reconcile.run',
  ReconcileLinkPart = 'reconcile.link-part',
  ReconcilePartsLinked = 'reconcile.parts-linked',
  ReconcileDecidePart = 'reconcile.decide-part',
  ReconcilePartsDecided = 'reconcile.parts-decided',
  IndicatorsCompute = 'indicators.compute',
  LogCheckpoint = 'log.checkpoint',
  PruneRevocations = 'staff.prune-revocations',
  EnsureLogPartitions = 'log.ensure-partitions',
}

export interface JobPayloads {
  [JobName.IntakeBatch]: { batchId: string };
  /**
   * `townshipCode` unset: the whole county. After intake and from the sweeper ('sweep') the run is
   * incremental (the batches no run has covered yet); nightly and on demand, full.
   */
  [JobName.ReconcileRun]: { trigger: 'nightly' | 'on-demand' | 'intake' | 'sweep'; townshipCode?: string | null; asOf?: string };
  /** A full run in parts (planned in PostgreSQL): link one township's facts. */
  [JobName.ReconcileLinkPart]: { runId: string; townshipCode: string };
  /** Every township linked (the parent of the link parts): starts the decide parts. */
  [JobName.ReconcilePartsLinked]: { runId: string };
  /** Decide one township's discrepancies. */
  [JobName.ReconcileDecidePart]: { runId: string; townshipCode: string };
  /** Every township decided (the parent of the decide parts): ends the run. */
  [JobName.ReconcilePartsDecided]: { runId: string };
  /** `year` unset: the year of the day it runs. */
  [JobName.IndicatorsCompute]: { year?: number; asOf?: string };
  [JobName.LogCheckpoint]: Record<string, never>;
  [JobName.PruneRevocations]: Record<string, never>;
  [JobName.EnsureLogPartitions]: Record<string, never>;
}

export const JOB_QUEUE: Record<JobName, QueueName> = {
  [JobName.IntakeBatch]: QueueName.Intake,
  [JobName.ReconcileRun]: QueueName.Reconcile,
  [JobName.ReconcileLinkPart]: QueueName.ReconcileParts,
  [JobName.ReconcilePartsLinked]: QueueName.ReconcileParts,
  [JobName.ReconcileDecidePart]: QueueName.ReconcileParts,
  [JobName.ReconcilePartsDecided]: QueueName.ReconcileParts,
  [JobName.IndicatorsCompute]: QueueName.Indicators,
  [JobName.LogCheckpoint]: QueueName.Checkpoint,
  [JobName.PruneRevocations]: QueueName.Housekeeping,
  [JobName.EnsureLogPartitions]: QueueName.Housekeeping,
}

/** The job scheduler's id for the nightly indicator recomputation (after the reconciliation). */
export const NIGHTLY_INDICATORS = 'indicators-nightly';

/** The job scheduler's id for the signed checkpoints of the message log (every CHECKPOINT_INTERVAL minutes). */
export const SCHEDULED_CHECKPOINT = 'log-checkpoint';

/** The job scheduler's id for the nightly deletion of expired token revocations. */
export const NIGHTLY_REVOCATION_PRUNING = 'staff-revocations-prune-nightly';

/** The job scheduler's id for the nightly making of the message log's month partitions ahead. */
export const NIGHTLY_LOG_PARTITIONS = 'log-partitions-nightly';

/** The job scheduler's id for the nightly full reconciliation. */
export const NIGHTLY_RECONCILIATION = 'reconcile-nightly';

/**
 * The job scheduler's id for the sweeper: an incremental run every few minutes, so that a batch whose
 * run after intake was lost (Redis down at the time) is still reconciled. A run with no batch waiting reads nothing.
 */
export const RECONCILE_SWEEP = 'reconcile-sweep';
export const RECONCILE_SWEEP_EVERY_MS = 5 * 60_000;

/**
 * After intake, one reconciliation per quiet window: every batch processed in a window asks for
 * the same job (one id), which starts when the window ends — so each batch is followed by a run
 * that begins after its commit, and a burst of batches costs one run, not one per batch.
 */
export function afterIntakeJob(now: number, windowMs: number): { jobId: string; delay: number } {
  const width = Math.max(windowMs, 1);
  const window = Math.floor(now / width);
  return { jobId: `reconcile-after-intake-${window}`, delay: (window + 1) * width - now };
};

/**
 * Job ids of a run in parts, one per run, phase and township: a flow added twice (its parent
 * retried) adds nothing. BullMQ ids may not hold ':'.
 */
export function runPartJobId(runId: string, phase: 'link' | 'decide', townshipCode?: string): string {
  return townshipCode === undefined ? `run-${runId}-${phase}-all` : `run-${runId}-${phase}-${townshipCode}`;
}

/** Deterministic job ids: a batch enqueued twice (api, then relay) is one job while it waits. */
export function intakeJobId(batchId: string): string {
  return `batch-${batchId}`;
}
