import Chromium from '@sparticuz/chromium';

/**
 * The browser the console tests drive: the Chromium build that `@sparticuz/chromium` ships inside
 * its npm package (so `npm ci` brings it; nothing is downloaded or installed from elsewhere). The
 * package unpacks it into the temporary directory on first use. Jest's global setup unpacks it once
 * (`SANXIAN_CHROMIUM`), so that parallel suites never race on the same file.
 */
export async function chromiumExecutable(): Promise<string> {
  const unpacked = process.env.SANXIAN_CHROMIUM;
  if (unpacked) return unpacked;
  const path = await Chromium.executablePath();
  process.env.SANXIAN_CHROMIUM = path;
  return path;
}
