import { randomBytes } from 'node:crypto';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { loadConfig } from '@sanxian/contracts';
import { HandlesJobs, JobHandlerError, JobName, QueueName, jobHandlerProblems } from '@sanxian/jobs';
import { CheckpointProcessor } from './checkpoint.processor';
import { HousekeepingProcessor } from './housekeeping.processor';
import { IntakeProcessor } from './intake.processor';
import { ReconcileProcessor } from './reconcile.processor';
import { ReconcilePartsProcessor } from './reconcile-parts.processor';
import { WORKER_PROCESSORS, WorkerModule } from './worker.module';

@Processor(QueueName.Intake)
@HandlesJobs(JobName.IntakeBatch)
class SecondIntakeProcessor extends WorkerHost {
  async process(): Promise<void> {}
}

@Processor(QueueName.Intake)
@HandlesJobs(JobName.IndicatorsCompute)
class IndicatorsOnTheIntakeQueue extends WorkerHost {
  async process(): Promise<void> {}
}

@Processor(QueueName.Reconcile)
class UndeclaredProcessor extends WorkerHost {
  async process(): Promise<void> {}
}

describe('the worker refuses to start unless each job of the registry has exactly one handler', () => {
  const config = loadConfig({ SECRETS_KEY: randomBytes(32).toString('base64') });

  it('starts with its own processors: one handler a job, each on the job’s queue', () => {
    expect(jobHandlerProblems(WORKER_PROCESSORS)).toEqual([]);
    expect(WorkerModule.forRoot(config).providers).toEqual(expect.arrayContaining(WORKER_PROCESSORS));
  });

  it('fails, naming the job, when a job has no handler', () => {
    const start = () => WorkerModule.forRoot(config, [IntakeProcessor, ReconcileProcessor]);
    expect(start).toThrow(JobHandlerError);
    expect(start).toThrow('job indicators.compute has no handler (expected one on queue indicators)');
  });

  it('fails, naming the job and both handlers, when a job has two', () => {
    expect(() => WorkerModule.forRoot(config, [...WORKER_PROCESSORS, SecondIntakeProcessor])).toThrow(
      'job intake.batch has 2 handlers: IntakeProcessor, SecondIntakeProcessor',
    );
  });

  it('fails when a job is handled on another queue than the registry’s, or a processor declares no job', () => {
    expect(jobHandlerProblems([IntakeProcessor, ReconcileProcessor, ReconcilePartsProcessor, CheckpointProcessor, HousekeepingProcessor, IndicatorsOnTheIntakeQueue])).toEqual([
      'job indicators.compute is handled by IndicatorsOnTheIntakeQueue on queue intake, not on its queue indicators',
    ]);
    expect(jobHandlerProblems([...WORKER_PROCESSORS, UndeclaredProcessor])).toEqual(['UndeclaredProcessor (queue reconcile) declares no job with @HandlesJobs']);
    expect(jobHandlerProblems([...WORKER_PROCESSORS, class NotAProcessor {}])).toEqual(['NotAProcessor is not a @Processor']);
  });
});
