/**
 * A probe (not part of `npm run bench`): linkage candidates from PostgreSQL on a synthetic county,
 * beside the whole-registry read they replace, in the same run.
 *
 *   npx tsc -p tsconfig.build.json && node dist/test/bench/linkage-candidates.probe.js [--people 200000] [--facts 5000] [--chunk 500] [--keep]
 *
 * `--facts 0 --keep` only loads the county and files its blocks, for full runs timed by hand.
 *
 * Loads the county as the reconcile bench does (api and worker processes, the files pushed through
 * the signed API, then stopped), files the blocks (`catchUp`), then times `cardsFor` for the first
 * `--facts` agency facts (one call, then in chunks) against `loadCurrentCards` + `registryLinker`
 * over the whole county, checks the verdicts agree, and prints wall and CPU time, cards read and
 * the blocks' size.
 */
require('../../../bin/runtime').registerAliases();

import { mkdtemp } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { HubConfigModule as HubConfigModuleType } from '@sanxian/contracts';
import type { Service } from './intake.bench';

interface Usage { wallMs: number; cpuMs: number; result: unknown }

async function measured<T>(work: () => Promise<T>): Promise<Usage & { result: T }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await work();
  const used = process.cpuUsage(cpu);
  return { wallMs: performance.now() - started, cpuMs: (used.user + used.system) / 1000, result };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { people: { type: 'string', default: '200000' }, facts: { type: 'string', default: '5000' }, chunk: { type: 'string', default: '500' }, keep: { type: 'boolean', default: false } } });
  const people = Number(values.people);
  const factCount = Number(values.facts);
  const chunk = Number(values.chunk);
  const { benchSetting, cleanUp, stopService } = require('./intake.bench') as typeof import('./intake.bench');
  const { loadCounty } = require('./reconcile.bench') as typeof import('./reconcile.bench');
  const { HubConfigModule, loadConfig } = require('@sanxian/contracts') as { HubConfigModule: typeof HubConfigModuleType; loadConfig: (env: NodeJS.ProcessEnv) => any };
  const { PersistenceModule, LinkageBlockRepository, ReconciliationRepository } = require('@sanxian/persistence') as typeof import('@sanxian/persistence');
  const { ReconciliationModule, BlockedLinkageCandidates } = require('@sanxian/reconciliation') as typeof import('@sanxian/reconciliation');
  const { linkFact, registryLinker } = require('@sanxian/domain') as typeof import('@sanxian/domain');

  const setting = await benchSetting(`sanxian_probe_linkage_${people}`);
  const services: Service[] = [];
  const tempDir = await mkdtemp(join(tmpdir(), 'sanxian-probe-linkage-'));
  try {
    const loaded = await loadCounty(setting, services, tempDir, ['--county', '511325', '--people', String(people), '--seed', '1'], { batchSize: 1000, concurrency: 2 });
    await loaded.db.end();
    console.log(`${people.toLocaleString('en-US')} people loaded in ${loaded.loadSeconds.toFixed(0)} s; 1-minute load ${loadavg()[0].toFixed(1)}`);

    @Module({})
    class ProbeModule {}
    const config = loadConfig({ ...setting.env, LOG_LEVEL: 'error' });
    const app = await NestFactory.createApplicationContext(
      { module: ProbeModule, imports: [HubConfigModule.forRoot(config), PersistenceModule.forRoot({ applicationName: 'sanxian-probe' }), ReconciliationModule] },
      { logger: ['error'], abortOnError: false },
    );
    try {
      const candidates = app.get(BlockedLinkageCandidates);
      const blocks = app.get(LinkageBlockRepository);
      const reconciliation = app.get(ReconciliationRepository);

      const build = await measured(() => candidates.catchUp());
      const counts = await blocks.counts();
      const [size] = await (app.get(require('typeorm').DataSource) as import('typeorm').DataSource).query(
        `SELECT pg_total_relation_size('linkage_block') AS card_bytes, pg_total_relation_size('fact_block') AS fact_bytes`,
      );
      console.log(`blocks filed: ${JSON.stringify(build.result)} in ${(build.wallMs / 1000).toFixed(1)} s (CPU ${(build.cpuMs / 1000).toFixed(1)} s); ` +
        `${counts.cardTokens.toLocaleString('en-US')} card tokens (${(Number(size.card_bytes) / 2 ** 20).toFixed(0)} MB with indexes), ` +
        `${counts.factTokens.toLocaleString('en-US')} fact tokens (${(Number(size.fact_bytes) / 2 ** 20).toFixed(0)} MB)`);

      // --facts 0: the county loaded and its blocks filed, for runs timed by hand (with --keep).
      if (factCount === 0) return;
      const stored = (await reconciliation.loadAgencyFacts()).slice(0, factCount);
      const facts = stored.map((s) => s.fact);
      const asOf = loaded.manifest.asOf;
      const rssBefore = process.memoryUsage().rss;
      const once = await measured(() => candidates.cardsFor(facts, asOf));
      const rssOnce = process.memoryUsage().rss;
      const chunked = await measured(async () => {
        let read = 0;
        for (let start = 0; start < facts.length; start += chunk) read += (await candidates.cardsFor(facts.slice(start, start + chunk), asOf)).length;
        return read;
      });
      const subsetLinker = registryLinker(once.result, asOf);

      const whole = await measured(async () => registryLinker(await reconciliation.loadCurrentCards(), asOf));
      const rssWhole = process.memoryUsage().rss;
      const relative = (s: (typeof stored)[number]) => (s.spouseName === undefined ? undefined : { spouseName: s.spouseName });
      let differing = 0;
      for (const s of stored) {
        const a = linkFact(s.fact, subsetLinker, {}, relative(s));
        const b = linkFact(s.fact, whole.result, {}, relative(s));
        if (a.decision !== b.decision || a.personId !== b.personId || a.score !== b.score) differing += 1;
      }
      const cards = whole.result.targets.size;
      console.log(`\n${facts.length.toLocaleString('en-US')} facts; the registry holds ${cards.toLocaleString('en-US')} link targets`);
      console.log(`  cardsFor, one call:        ${once.wallMs.toFixed(0)} ms (CPU ${once.cpuMs.toFixed(0)} ms), ${once.result.length.toLocaleString('en-US')} cards read, RSS +${((rssOnce - rssBefore) / 2 ** 20).toFixed(0)} MB`);
      console.log(`  cardsFor, chunks of ${chunk}:  ${chunked.wallMs.toFixed(0)} ms (CPU ${chunked.cpuMs.toFixed(0)} ms), ${chunked.result.toLocaleString('en-US')} cards read`);
      console.log(`  whole registry (load + index): ${whole.wallMs.toFixed(0)} ms (CPU ${whole.cpuMs.toFixed(0)} ms), RSS +${((rssWhole - rssOnce) / 2 ** 20).toFixed(0)} MB`);
      console.log(`  ratio cardsFor / whole: wall ${(once.wallMs / whole.wallMs).toFixed(2)}, CPU ${(once.cpuMs / whole.cpuMs).toFixed(2)}; verdicts differing: ${differing}`);
    } finally {
      await app.close();
    }
  } finally {
    await Promise.all(services.map(stopService));
    if (values.keep) console.log(`kept database ${setting.database}`);
    else await cleanUp(setting.database, setting.queuePrefix, tempDir);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
