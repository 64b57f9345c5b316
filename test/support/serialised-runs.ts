import { expect } from '@jest/globals';
import type { ReconciliationRepository } from '@sanxian/persistence';

/**
 * Starts two reconciliations through `serialised`, holds the first for `holdMs`, and checks that the
 * second began only after the first ended (the lock waits however long the first takes).
 */
export async function expectSecondRunWaitsForFirst(repo: ReconciliationRepository, holdMs: number): Promise<void> {
  const events: string[] = [];
  let release!: () => void;
  const first = repo.serialised(async () => {
    events.push('first starts');
    await new Promise<void>((resolve) => (release = resolve));
    events.push('first ends');
  });
  while (!events.length) await new Promise((r) => setTimeout(r, 10));
  const second = repo.serialised(async () => events.push('second starts'));
  // The second asks for the lock again and again until the first lets go.
  await new Promise((r) => setTimeout(r, holdMs));
  expect(events).toEqual(['first starts']);
  release();
  await Promise.all([first, second]);
  expect(events).toEqual(['first starts', 'first ends', 'second starts']);
}
