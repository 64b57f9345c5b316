/**
 * Benchmark entry: `npm run bench -- [name] [options]`, e.g. `npm run bench -- intake --records 5000`.
 * With no name (or `all`) every benchmark runs.
 */
// tsc keeps `@sanxian/*` imports as written, so their resolution must be registered before a benchmark
// module is loaded: the benchmarks are therefore required lazily below, never imported.
require('../../../bin/runtime').registerAliases();

type Benchmark = (args: string[]) => Promise<void>;

const BENCHMARKS: Record<string, () => Benchmark> = {
  intake: () => (require('./intake.bench') as typeof import('./intake.bench')).runIntakeBench,
  synth: () => (require('./synth.bench') as typeof import('./synth.bench')).runSynthBench,
  registry: () => (require('./registry.bench') as typeof import('./registry.bench')).runRegistryBench,
  reconcile: () => (require('./reconcile.bench') as typeof import('./reconcile.bench')).runReconcileBench,
  score: () => (require('./score.bench') as typeof import('./score.bench')).runScoreBench,
  spotcheck: () => (require('./spotcheck.bench') as typeof import('./spotcheck.bench')).runSpotcheckBench,
  seal: () => (require('./seal.bench') as typeof import('./seal.bench')).runSealBench,
};

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const named = argv[0] !== undefined && !argv[0].startsWith('-');
  const name = named ? argv[0] : 'all';
  const args = named ? argv.slice(1) : argv;
  if (name !== 'all' && !BENCHMARKS[name]) throw new Error(`unknown benchmark "${name}"; one of: all, ${Object.keys(BENCHMARKS).join(', ')}`);
  for (const key of name === 'all' ? Object.keys(BENCHMARKS) : [name]) await BENCHMARKS[key]()(args);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
