import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { SignedReturn } from '@sanxian/api-types';
import type { FrameVillage, SurveyReturn } from '@sanxian/domain';

/**
 * What the survey page keeps on the device, in IndexedDB, so that it works with no network: the
 * day loaded before departure, the returns being filled, the members' signing keys (the private
 * key a non-extractable CryptoKey, which IndexedDB stores as it is and nothing can read out), and
 * the signed returns waiting to be sent.
 */

/** A member of the team, by staff id (the id an admin enrolls their key under). */
export interface TeamMember {
  staffId: string;
  leader: boolean;
}

/** A team's drawn day as the device keeps it: the points with their frame part, and who may sign. */
export interface SurveyDay {
  campaignId: string;
  drawId: string;
  /** The survey day, YYYY-MM-DD. */
  date: string;
  teamId: string;
  team: TeamMember[];
  villages: FrameVillage[];
  loadedAt: string;
}

/** A signed return's way to the hub: 待同步, 已同步, 重复 (the hub had it already), 被拒绝 (with its reason). */
export type SyncState = 'pending' | 'synced' | 'duplicate' | 'rejected';

export interface QueuedReturn {
  returnId: string;
  signed: SignedReturn;
  state: SyncState;
  /** The hub's reason, for a rejected return. */
  reason?: string;
  signedAt: string;
  /** When the hub last answered (synced, duplicate or rejected). */
  answeredAt?: string;
}

/** A member's signing key on this device. */
export interface DeviceKey {
  /** The member's staff id: the admin enrolls the key under it. */
  staffId: string;
  keyId: string;
  algorithm: 'Ed25519' | 'ECDSA-P256-SHA256';
  privateKey: CryptoKey;
  /** Base64 of the SubjectPublicKeyInfo (DER), to show for enrollment. */
  publicKeySpki: string;
  createdAt: string;
}

/** A return being filled, by draw and village; gone once signed (the signed copy is in the outbox). */
export interface Draft {
  key: string;
  value: SurveyReturn;
}

interface SurveySchema extends DBSchema {
  days: { key: string; value: SurveyDay };
  drafts: { key: string; value: Draft };
  keys: { key: string; value: DeviceKey };
  outbox: { key: string; value: QueuedReturn; indexes: { state: SyncState } };
}

let database: Promise<IDBPDatabase<SurveySchema>> | undefined;

function db(): Promise<IDBPDatabase<SurveySchema>> {
  database ??= openDB<SurveySchema>('sanxian-survey', 1, {
    upgrade(store) {
      store.createObjectStore('days', { keyPath: 'drawId' });
      store.createObjectStore('drafts', { keyPath: 'key' });
      store.createObjectStore('keys', { keyPath: 'staffId' });
      store.createObjectStore('outbox', { keyPath: 'returnId' }).createIndex('state', 'state');
    },
  });
  return database;
}

export function draftKey(drawId: string, villageCode: string): string {
  return `${drawId}:${villageCode}`;
}

export const surveyStore = {
  async saveDay(day: SurveyDay): Promise<void> {
    await (await db()).put('days', day);
  },
  async days(): Promise<SurveyDay[]> {
    const all = await (await db()).getAll('days');
    return all.sort((a, b) => b.date.localeCompare(a.date) || b.loadedAt.localeCompare(a.loadedAt));
  },
  async draft(key: string): Promise<SurveyReturn | undefined> {
    return (await (await db()).get('drafts', key))?.value;
  },
  async saveDraft(key: string, value: SurveyReturn): Promise<void> {
    await (await db()).put('drafts', { key, value });
  },
  async keys(): Promise<DeviceKey[]> {
    return (await db()).getAll('keys');
  },
  async saveKey(key: DeviceKey): Promise<void> {
    // add, not put: a member's key is never replaced silently (the enrolled one would stop matching).
    await (await db()).add('keys', key);
  },
  /** Queues a signed return and drops its draft, in one transaction: a return is either still a draft or queued. */
  async queue(signed: SignedReturn, draft: string): Promise<void> {
    const tx = (await db()).transaction(['outbox', 'drafts'], 'readwrite');
    await Promise.all([
      tx.objectStore('outbox').add({ returnId: signed.return.returnId, signed, state: 'pending', signedAt: new Date().toISOString() }),
      tx.objectStore('drafts').delete(draft),
      tx.done,
    ]);
  },
  async outbox(): Promise<QueuedReturn[]> {
    const all = await (await db()).getAll('outbox');
    return all.sort((a, b) => a.signedAt.localeCompare(b.signedAt));
  },
  async pending(): Promise<QueuedReturn[]> {
    return (await db()).getAllFromIndex('outbox', 'state', 'pending');
  },
  /**
   * Removes the personal data the device holds once it is no longer needed: the days (the frame's
   * names and ids), every draft, and the returns the hub holds (已同步, 重复). Returns still to send
   * or refused stay, as do the keys. Returns how many returns stay.
   */
  async clearSurveyed(): Promise<number> {
    const tx = (await db()).transaction(['days', 'drafts', 'outbox'], 'readwrite');
    await tx.objectStore('days').clear();
    await tx.objectStore('drafts').clear();
    let kept = 0;
    for (let cursor = await tx.objectStore('outbox').openCursor(); cursor; cursor = await cursor.continue()) {
      if (cursor.value.state === 'synced' || cursor.value.state === 'duplicate') await cursor.delete();
      else kept += 1;
    }
    await tx.done;
    return kept;
  },
  async answered(returnId: string, state: Exclude<SyncState, 'pending'>, reason?: string): Promise<void> {
    const tx = (await db()).transaction('outbox', 'readwrite');
    const queued = await tx.store.get(returnId);
    if (queued) await tx.store.put({ ...queued, state, reason, answeredAt: new Date().toISOString() });
    await tx.done;
  },
};
