import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

const outDir = fileURLToPath(new URL('../../dist/console', import.meta.url));

/**
 * Writes .br and .gz beside every text file of the build, which the api serves to browsers that
 * accept them (@fastify/static `preCompressed`): township offices are not all on fast lines.
 */
function precompress(): Plugin {
  return {
    name: 'sanxian-precompress',
    apply: 'build',
    closeBundle() {
      const walk = (dir: string): string[] =>
        readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? walk(join(dir, name)) : [join(dir, name)]));
      for (const file of walk(outDir).filter((f) => /\.(js|css|html|svg|json)$/.test(f))) {
        const bytes = readFileSync(file);
        if (bytes.length < 1024) continue;
        writeFileSync(`${file}.gz`, gzipSync(bytes, { level: 9 }));
        writeFileSync(`${file}.br`, brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 9 } }));
      }
    },
  };
}

/**
 * The staff console, built into dist/console, which the api serves at `/`.
 * `npx vite --config apps/console/vite.config.mts` runs it in development against an api on :3000.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  oxc: { jsx: { runtime: 'automatic' } },
  plugins: [precompress()],
  // The staff API's types and constant lists, shared with the server (libs/api-types imports nothing at run time).
  resolve: { alias: { '@sanxian/api-types': fileURLToPath(new URL('../../libs/api-types/src/index.ts', import.meta.url)) } },
  build: {
    outDir,
    emptyOutDir: true,
    // Ant Design and ECharts are large by nature; ECharts is loaded only by the pages with charts.
    chunkSizeWarningLimit: 1500,
    rolldownOptions: {
      onLog(level, log, handler) {
        // Ant Design marks its modules "use client" for React Server Components; meaningless in a browser bundle.
        if (log.code === 'MODULE_LEVEL_DIRECTIVE') return;
        handler(level, log);
      },
    },
  },
  server: {
    // The region lists are read from libs/domain/data.
    fs: { allow: [fileURLToPath(new URL('../..', import.meta.url))] },
    proxy: { '/v1': 'http://localhost:3000', '/health': 'http://localhost:3000' },
  },
});
