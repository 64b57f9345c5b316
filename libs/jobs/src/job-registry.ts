/**
 * The one typed registry of queues, job names and payloads. Payloads carry ids only:
 * the database holds the state, so a job lost or run twice changes nothing.
 */
export enum QueueName {
  Intake = 'intake',
}

export enum JobName {
  IntakeBatch = 'intake.batch',
}

export interface JobPayloads {
  [JobName.IntakeBatch]: { batchId: string };
}

export const JOB_QUEUE: Record<JobName, QueueName> = {
  [JobName.IntakeBatch]: QueueName.Intake,
};

/** Deterministic job ids: a batch enqueued twice (api, then relay) is one job while it waits. */
export function intakeJobId(batchId: string): string {
  return `batch-${batchId}`;
}
