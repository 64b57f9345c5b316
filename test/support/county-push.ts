import { join } from 'node:path';
import { KIND_AGENCY, type RecordKind } from '@sanxian/contracts';
import { pushFile, sortedByReport } from '@sanxian/exchange-client';
import { OUTPUT_FILES } from '@sanxian/synth';
import type { Hub, TestClient } from './hub-harness';

export const COUNTY_FEEDS: readonly RecordKind[] = ['registry-card', 'hukou-change', 'marriage-record', 'birth-notice'];

/**
 * Pushes a synthetic county's four files through the signed exchange API with the real client,
 * one client per agency. `replayFeeds`: the agencies' feeds go day by day in reporting order,
 * for a hub started with REPLAY_RECEIPT_TIMES. `kinds`: only these files; `load`: the delivery's mark
 * per kind (an initial load, a history import). Rejections are written beside the files.
 */
export async function pushCounty(
  hub: Hub,
  dir: string,
  options: { batchSize?: number; replayFeeds?: boolean; kinds?: readonly RecordKind[]; load?: (kind: RecordKind) => 'initial' | 'history' | undefined } = {},
): Promise<{ clients: Record<RecordKind, TestClient>; accepted: number }> {
  const clients = {} as Record<RecordKind, TestClient>;
  let accepted = 0;
  for (const kind of options.kinds ?? COUNTY_FEEDS) {
    clients[kind] = await hub.createClient(KIND_AGENCY[kind]);
    const file = join(dir, OUTPUT_FILES[kind]);
    const replay = options.replayFeeds === true && kind !== 'registry-card';
    const summary = await pushFile({
      kind, file: replay ? await sortedByReport(file) : file, url: hub.url, clientId: clients[kind].clientId, secret: clients[kind].secret,
      batchSize: options.batchSize ?? 1000, replay, rejectionsFile: `${file}.rejections`, load: options.load?.(kind),
    });
    accepted += summary.accepted;
  }
  return { clients, accepted };
}
