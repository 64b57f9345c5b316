import { ClientRepository, LinkageBlockRepository } from '@sanxian/persistence';
import { PersistenceContext, startPersistence } from '../../../../test/support/persistence-context';
import { processRecords } from '../../../../test/support/process-records';
import { registryCard } from '../../../../test/support/record-factory';

/**
 * The blocks' tables are vacuumed and analysed once much of them is new (a rebuild, a bulk
 * catch-up), so that a full run's look-ups by key are index-only scans from the start.
 */
describe('LinkageBlockRepository.vacuumIfMuchChanged', () => {
  let ctx: PersistenceContext;
  let blocks: LinkageBlockRepository;

  beforeAll(async () => {
    ctx = await startPersistence({});
    const fp = (await ctx.get(ClientRepository).create('family-planning', 'fp')).clientId;
    await processRecords(ctx, fp, 'registry-card', [1, 2, 3].map((i) => registryCard(i, 71)));
    blocks = ctx.get(LinkageBlockRepository);
  }, 120_000);
  afterAll(async () => {
    await ctx?.close();
  });

  it('vacuums and analyses the blocks once much of them changed, and not again while nothing did', async () => {
    await blocks.refreshCards(['C-71-1', 'C-71-2', 'C-71-3'], (card) => [{ token: `tb|${card.cardId}`, isId: false }]);
    // Statistics reach pg_stat_user_tables once the writing connection flushes them (PostgreSQL 15: within
    // about 10 s of it going idle): asked until they do.
    let vacuumed: string[] = [];
    for (let tries = 0; tries < 150 && !vacuumed.includes('linkage_block'); tries += 1) {
      vacuumed = await blocks.vacuumIfMuchChanged({ share: 0, minRows: 0 });
      if (!vacuumed.includes('linkage_block')) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(vacuumed).toEqual(expect.arrayContaining(['linkage_block', 'linkage_block_card']));
    const [stats] = await ctx.sql(`SELECT last_vacuum IS NOT NULL AS vacuumed, last_analyze IS NOT NULL AS analysed FROM pg_stat_user_tables WHERE relname = 'linkage_block'`);
    expect(stats).toEqual({ vacuumed: true, analysed: true });
    // A few rows changed since are not much of the tables: nothing to do.
    expect(await blocks.vacuumIfMuchChanged()).toEqual([]);
  });
});
