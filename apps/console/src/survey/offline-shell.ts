/**
 * Installs the console's service worker (sw.js, written by Workbox at build: see vite.config.mts),
 * which keeps the built console on the device so that the survey page opens with no network. Only
 * the survey page installs it: other staff work online and never get one. No-op where the browser
 * has no service workers, or in development (Vite's server has no sw.js).
 */
export function keepConsoleOffline(): void {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => undefined);
}
