import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

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
 * The service worker (Workbox, through vite-plugin-pwa) that keeps the console on the device, so
 * that the household survey page opens with no network: the built app (scripts, styles, the page)
 * is precached at install; the font's unicode-range slices are cached as pages use them (all of
 * them would be megabytes a phone does not need); the api (/v1 …) is never cached, and a page
 * asked for offline gets the precached index.html. A new build replaces the old at the next load.
 * Only the survey page installs it (inspectors); staff who never open it get no service worker.
 */
function offlineConsole(): Plugin[] {
  return VitePWA({
    registerType: 'autoUpdate',
    // Registered by the survey page itself (apps/console/src/survey/offline-shell.ts), not on every page.
    injectRegister: false,
    manifest: false,
    workbox: {
      globPatterns: ['**/*.{js,css,html,ico}'],
      // Ant Design's chunk is about 1.5 MB; the default limit (2 MiB) is close.
      maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
      navigateFallback: '/index.html',
      navigateFallbackDenylist: [/^\/(v1|health|metrics|docs)(\/|$)/],
      cleanupOutdatedCaches: true,
      clientsClaim: true,
      skipWaiting: true,
      runtimeCaching: [
        {
          urlPattern: ({ url }) => url.pathname.startsWith('/assets/') && url.pathname.endsWith('.woff2'),
          handler: 'CacheFirst',
          options: { cacheName: 'sanxian-fonts', expiration: { maxEntries: 400 } },
        },
      ],
    },
  });
}

/**
 * The staff console, built into dist/console, which the api serves at `/`.
 * `npx vite --config apps/console/vite.config.mts` runs it in development against an api on :3000.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  oxc: { jsx: { runtime: 'automatic' } },
  plugins: [offlineConsole(), precompress()],
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
