import { SetMetadata, Type } from '@nestjs/common';
import { JOB_QUEUE, JobName } from './job-registry';

const HANDLES_JOBS = 'sanxian:handles-jobs';
/** Where @nestjs/bullmq's @Processor keeps its queue (not exported by the package); the worker's check test fails if it moves. */
const BULLMQ_PROCESSOR_METADATA = 'bullmq:processor_metadata';

/** Declares the jobs of the typed registry that a @Processor class handles. */
export const HandlesJobs = (...names: JobName[]): ClassDecorator => SetMetadata(HANDLES_JOBS, names);

export class JobHandlerError extends Error {
  override name = 'JobHandlerError';
}

/**
 * Every job of the registry must have exactly one handler, on the job's own queue: a job nobody
 * handles would wait in Redis for ever, and two handlers on one queue would take turns at it.
 * Returns what is wrong, one sentence a job.
 */
export function jobHandlerProblems(processors: Type<unknown>[]): string[] {
  const handlersByJob = new Map<string, { handler: string; queue: string | undefined }[]>();
  const problems: string[] = [];
  for (const processor of processors) {
    const queue: string | undefined = Reflect.getMetadata(BULLMQ_PROCESSOR_METADATA, processor)?.name;
    const jobs: string[] = Reflect.getMetadata(HANDLES_JOBS, processor) ?? [];
    if (queue === undefined) problems.push(`${processor.name} is not a @Processor`);
    else if (!jobs.length) problems.push(`${processor.name} (queue ${queue}) declares no job with @HandlesJobs`);
    for (const job of jobs) handlersByJob.set(job, [...(handlersByJob.get(job) ?? []), { handler: processor.name, queue }]);
  }
  const known = new Set<string>(Object.values(JobName));
  for (const job of handlersByJob.keys()) if (!known.has(job)) problems.push(`job ${job} is handled but not in the job registry`);
  for (const job of Object.values(JobName)) {
    const handlers = handlersByJob.get(job) ?? [];
    if (handlers.length === 0) problems.push(`job ${job} has no handler (expected one on queue ${JOB_QUEUE[job]})`);
    else if (handlers.length > 1) problems.push(`job ${job} has ${handlers.length} handlers: ${handlers.map((h) => h.handler).join(', ')}`);
    else if (handlers[0].queue !== JOB_QUEUE[job]) problems.push(`job ${job} is handled by ${handlers[0].handler} on queue ${handlers[0].queue}, not on its queue ${JOB_QUEUE[job]}`);
  }
  return problems;
}

/** Refuses to start a worker whose processors do not handle each job of the registry exactly once. */
export function assertEveryJobHasOneHandler(processors: Type<unknown>[]): void {
  const problems = jobHandlerProblems(processors);
  if (problems.length) throw new JobHandlerError(`the worker cannot start: ${problems.join('; ')}`);
}
