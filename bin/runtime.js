'use strict';
// Runs the compiled code in dist/, building it first on a fresh checkout, and resolves the
// @sanxian/* library aliases there (tsc keeps them as written).
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const root = join(__dirname, '..');
const dist = join(root, 'dist');

function ensureBuilt(entry) {
  if (existsSync(join(dist, entry))) return;
  process.stderr.write('sanxian: first run, compiling TypeScript (npm run build)…\n');
  const result = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function registerAliases() {
  const libs = ['domain', 'contracts', 'persistence', 'exchange', 'jobs', 'synth', 'reconciliation', 'assessment'];
  libs.push('intake', 'exchange-client', 'evidence', 'discrepancy', 'inspection', 'verification', 'api-types');
  libs.push('survey-returns');
  // A library's light entry (`@sanxian/contracts/light`): its exports that load neither Nest nor TypeORM.
  const lightEntries = ['contracts', 'persistence'];
  require('tsconfig-paths').register({
    baseUrl: dist,
    paths: Object.fromEntries([
      ...libs.map((lib) => [`@sanxian/${lib}`, [`libs/${lib}/src`]]),
      ...lightEntries.map((lib) => [`@sanxian/${lib}/light`, [`libs/${lib}/src/light`]]),
    ]),
  });
}

function run(entry) {
  ensureBuilt(entry);
  registerAliases();
  require(join(dist, entry));
}

module.exports = { run, ensureBuilt, registerAliases, root, dist };
