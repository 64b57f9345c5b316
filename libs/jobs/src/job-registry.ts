/**
 * The one typed registry of queues, job names and payloads. Payloads carry ids only:
 * the database holds the state, so a job lost or run twice changes nothing.
 */
export enum QueueName {
  Intake = 'intake',
  Maintenance = 'maintenance',
}

export enum JobName {
  IntakeBatch = 'intake.batch',
  RelayOutbox = 'relay.outbox',
}

export interface JobPayloads {
  [JobName.IntakeBatch]: { batchId: string };
  [JobName.RelayOutbox]: Record<string, never>;
}

export const JOB_QUEUE: Record<JobName, QueueName> = {
  [JobName.IntakeBatch]: QueueName.Intake,
  [JobName.RelayOutbox]: QueueName.Maintenance,
};

/** Deterministic job ids: a batch enqueued twice (api, then relay) is one job while it waits. */
export function intakeJobId(batchId: string): string {
  return `batch-${batchId}`;
}
