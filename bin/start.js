#!/usr/bin/env node
'use strict';
// `npm start`: applies pending migrations, then runs the api and the worker as two processes
// and says "ready" once both are. `npm start -- api` or `-- worker` runs one.
const { spawn, spawnSync } = require('node:child_process');
const { join } = require('node:path');
const { ensureBuilt } = require('./runtime');

const which = process.argv[2] ? [process.argv[2]] : ['api', 'worker'];
for (const name of which) {
  if (!['api', 'worker'].includes(name)) {
    console.error(`unknown process "${name}": use api or worker`);
    process.exit(2);
  }
}
ensureBuilt('apps/cli/src/main.js');
if (process.env.MIGRATE_ON_START !== 'false') {
  const migrate = spawnSync(process.execPath, [join(__dirname, 'sanxian.js'), 'migrate'], { stdio: 'inherit' });
  if (migrate.status !== 0) process.exit(migrate.status ?? 1);
}

const children = [];
let ready = 0;
let stopping = false;
for (const name of which) {
  const child = spawn(process.execPath, [join(__dirname, `${name}.js`)], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  let announced = false;
  child.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    if (!announced && /^sanxian (api|worker) ready/m.test(chunk.toString())) {
      announced = true;
      if (++ready === which.length) console.log(`sanxian ${which.join(' and ')} ready`);
    }
  });
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`sanxian ${name} exited (${signal ?? code}); stopping`);
    stop(code ?? 1);
  });
}

function stop(code) {
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 200).unref();
  Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.on('exit', r))))).then(() => process.exit(code));
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
