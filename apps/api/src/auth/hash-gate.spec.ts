import { HashGate } from './hash-gate';

describe('HashGate', () => {
  it('runs at most `concurrency` at once, queues up to `queue`, and refuses the rest with 503', async () => {
    const gate = new HashGate(2, 1);
    let running = 0;
    let most = 0;
    const releases: (() => void)[] = [];
    const work = () =>
      gate.run(async () => {
        running++;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => releases.push(resolve));
        running--;
        return 'done';
      });
    const accepted = [work(), work(), work()];
    await expect(work()).rejects.toMatchObject({ status: 503 });
    await new Promise((r) => setImmediate(r));
    expect(releases).toHaveLength(2);
    while (releases.length) {
      releases.shift()!();
      await new Promise((r) => setImmediate(r));
    }
    await expect(Promise.all(accepted)).resolves.toEqual(['done', 'done', 'done']);
    expect(most).toBe(2);
  });
});
