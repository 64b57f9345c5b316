import { randomBytes } from 'node:crypto';
import { HubConfig, loadConfig } from '@sanxian/contracts';
import { JOB_QUEUE, JobName, JobProducer, QueueName, afterIntakeJob, intakeJobId } from '@sanxian/jobs';
import { TEST_REDIS_URL, uniqueQueuePrefix } from '../../../test/support/test-database';

describe('JobProducer (typed jobs on a real Redis, under a queue prefix of the suite’s own)', () => {
  let config: HubConfig;
  let jobs: JobProducer;

  beforeAll(() => {
    config = loadConfig({
      NODE_ENV: 'test', REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: uniqueQueuePrefix(), SECRETS_KEY: randomBytes(32).toString('base64'),
      INTAKE_ATTEMPTS: '4', INTAKE_BACKOFF_MS: '250', RECONCILE_AFTER_INTAKE_DELAY_MS: String(3600_000),
    });
    jobs = new JobProducer(config);
  });
  afterAll(async () => {
    for (const name of Object.values(QueueName)) await jobs.queue(name).obliterate({ force: true });
    await jobs.onApplicationShutdown();
  });

  it('the registry puts every job on one queue', () => {
    expect(Object.keys(JOB_QUEUE).sort()).toEqual(Object.values(JobName).sort());
    expect(JOB_QUEUE[JobName.IntakeBatch]).toBe(QueueName.Intake);
    expect(intakeJobId('b-1')).toBe('batch-b-1');
  });

  it('enqueues intake batches with deterministic ids, the configured attempts and backoff: a batch enqueued twice is one job', async () => {
    await jobs.enqueueIntake(['b-1', 'b-2']);
    await jobs.enqueueIntake(['b-1']);
    await jobs.enqueueIntake([]);
    const queue = jobs.queue(QueueName.Intake);
    expect(queue.opts.prefix).toBe(config.queuePrefix);
    expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 2 });
    const job = (await queue.getJob('batch-b-1'))!;
    expect(job.name).toBe(JobName.IntakeBatch);
    expect(job.data).toEqual({ batchId: 'b-1' });
    expect(job.opts).toMatchObject({ attempts: 4, backoff: { type: 'exponential', delay: 250 } });
    expect(await jobs.intakeJobState('b-2')).toBe('waiting');
    expect(await jobs.intakeJobState('b-none')).toBe('missing');
  });

  it('asks for one reconciliation per quiet window after intake, delayed to the window’s end', async () => {
    const before = Date.now();
    await jobs.enqueueReconcileAfterIntake();
    await jobs.enqueueReconcileAfterIntake();
    const queue = jobs.queue(QueueName.Reconcile);
    const delayed = await queue.getJobs(['delayed']);
    expect(delayed).toHaveLength(1);
    const [job] = delayed;
    expect(job.name).toBe(JobName.ReconcileRun);
    expect(job.data).toEqual({ trigger: 'intake' });
    const { jobId } = afterIntakeJob(before, config.reconcileAfterIntakeDelayMs);
    // Unless the window ended between the two calls, the job is this window's.
    expect([jobId, afterIntakeJob(Date.now(), config.reconcileAfterIntakeDelayMs).jobId]).toContain(job.id);
    expect(job.opts.delay).toBeGreaterThan(0);
    expect(job.opts.delay).toBeLessThanOrEqual(config.reconcileAfterIntakeDelayMs);
  });

  it('starts a reconciliation on demand with its payload and retries, and returns its job id', async () => {
    const id = await jobs.enqueueReconcile({ trigger: 'on-demand', townshipCode: '511325101', asOf: '2025-12-31' });
    const job = (await jobs.queue(QueueName.Reconcile).getJob(id))!;
    expect(job.name).toBe(JobName.ReconcileRun);
    expect(job.data).toEqual({ trigger: 'on-demand', townshipCode: '511325101', asOf: '2025-12-31' });
    expect(job.opts).toMatchObject({ attempts: 3, backoff: { type: 'exponential', delay: 5000 } });
  });

  it('enqueues any registry job on its own queue by name, with the options given', async () => {
    await jobs.enqueue(JobName.IndicatorsCompute, { year: 2025 }, { jobId: 'indicators-2025' });
    await jobs.enqueue(JobName.IndicatorsCompute, { year: 2025 }, { jobId: 'indicators-2025' });
    const queue = jobs.queue(QueueName.Indicators);
    const waiting = await queue.getJobs(['waiting']);
    expect(waiting.map((j) => [j.id, j.name, j.data])).toEqual([['indicators-2025', JobName.IndicatorsCompute, { year: 2025 }]]);
    const depths = await jobs.depths();
    expect(Object.keys(depths).sort()).toEqual(Object.values(QueueName).sort());
    expect(depths[QueueName.Indicators]).toMatchObject({ waiting: 1, active: 0, failed: 0 });
    expect(depths[QueueName.Intake].waiting).toBe(2);
  });

  it('marks an intake burst with a time to live, which the worker reads back', async () => {
    expect(await jobs.intakeBurstRemainingMs()).toBe(0);
    await jobs.markIntakeBurst(5000);
    const remaining = await jobs.intakeBurstRemainingMs();
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(5000);
    await expect(jobs.ping()).resolves.toBeUndefined();
  });
});
