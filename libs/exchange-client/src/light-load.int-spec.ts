import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * The push client is what an agency's small process loads (`sanxian push`, an integrator's script), and an
 * intake thread is started once per core: both must stay light. Each entry is required from the build (dist/,
 * with the aliases as bin/ registers them) in a fresh node, which then names the modules it loaded.
 */
const root = join(__dirname, '..', '..', '..');
const runtime = join(root, 'bin', 'runtime.js');
const run = promisify(execFile);

/** The files a fresh node has loaded after requiring `entry` (an alias or a path in dist/). */
async function modulesLoadedBy(entry: string): Promise<string[]> {
  const script = `
    const runtime = require(${JSON.stringify(runtime)});
    runtime.registerAliases();
    require(${JSON.stringify(entry)});
    process.stdout.write(JSON.stringify(Object.keys(require.cache)));
  `;
  const { stdout } = await run(process.execPath, ['-e', script], { cwd: root });
  return JSON.parse(stdout) as string[];
}

const HEAVY = [
  /[\\/]node_modules[\\/]@nestjs[\\/]/,
  /[\\/]node_modules[\\/]typeorm[\\/]/,
  /[\\/]node_modules[\\/]pg[\\/]/,
  /[\\/]node_modules[\\/]bullmq[\\/]/,
];
const heavyIn = (files: string[]): string[] => files.filter((file) => HEAVY.some((pattern) => pattern.test(file)));

const PERSISTENCE = /[\\/]dist[\\/]libs[\\/]persistence[\\/]src[\\/](.*)$/;
/** The hub's persistence files among `files`, by their path in the library. */
const persistenceIn = (files: string[]): string[] => files.flatMap((file) => PERSISTENCE.exec(file)?.[1] ?? []);

describe('light entries load neither Nest nor TypeORM', () => {
  beforeAll(() => {
    if (!existsSync(join(root, 'dist', 'libs', 'exchange-client', 'src', 'index.js'))) throw new Error('run `npm run build` first: this spec loads dist/');
  });

  it('the push client (@sanxian/exchange-client)', async () => {
    const loaded = await modulesLoadedBy('@sanxian/exchange-client');
    expect(loaded.some((file) => file.endsWith(join('libs', 'exchange-client', 'src', 'push-client.js')))).toBe(true);
    expect(heavyIn(loaded)).toEqual([]);
    expect(persistenceIn(loaded)).toEqual([]);
  });

  it('an intake thread (bin/intake-thread.js)', async () => {
    const loaded = await modulesLoadedBy(join(root, 'bin', 'intake-thread.js'));
    expect(loaded.some((file) => file.endsWith(join('libs', 'intake', 'src', 'request-preparation.js')))).toBe(true);
    expect(heavyIn(loaded)).toEqual([]);
    // @sanxian/persistence/light: the log's rows, not the repositories.
    expect(persistenceIn(loaded).sort()).toEqual(['copy-text.js', 'light.js', 'log-rows.js']);
  });

  it('the measure can fail: the hub side of intake loads Nest and TypeORM', async () => {
    const loaded = await modulesLoadedBy('@sanxian/intake');
    expect(heavyIn(loaded).some((file) => file.includes('@nestjs'))).toBe(true);
    expect(heavyIn(loaded).some((file) => file.includes('typeorm'))).toBe(true);
  });
});
