import { KeyObject, createPublicKey, sign, verify } from 'node:crypto';
import canonicalize from 'canonicalize';
import { sha256Hex } from './sha256';

/**
 * Signed checkpoints of the message log's chain heads. The log's hash chain shows an edit only to someone
 * who knows what a head was: a database superuser can rewrite a row and recompute every hash after it. A
 * checkpoint states each client's head at a moment, signed with a key the database does not hold and kept
 * outside it; a row at or before a checkpointed sequence can then no longer change unnoticed.
 * Pure: serialising, signing and checking. Reading the log and the files is the callers' business.
 */

export const CHECKPOINT_FORMAT = 'sanxian-log-checkpoint/v1';

/** One client's chain head: its last sequence and that row's hash. */
export interface ChainHead {
  clientId: string;
  /** Decimal, as the log's bigint sequence (0: no message yet). */
  lastSeq: string;
  headHash: string;
}

/** What is signed: serialised by RFC 8785 (JSON Canonicalization Scheme), so any verifier gets the same bytes. */
export interface CheckpointBody {
  format: typeof CHECKPOINT_FORMAT;
  /** The log it speaks of (the database's name): checkpoints of two logs never mix. */
  log: string;
  createdAt: string;
  /** Every client's head, ordered by client id. */
  heads: ChainHead[];
  /** The hash of the previous checkpoint in the file, or null for the first: a checkpoint left out or moved shows. */
  previous: string | null;
}

/** An RFC 3161 timestamp of a checkpoint's hash, as a timestamp authority signed it. */
export interface CheckpointTimestamp {
  tsa: string;
  genTime: string;
  /** The TimeStampToken (CMS ContentInfo), DER in base64. */
  token: string;
}

/** One line of the checkpoint file. */
export interface SignedCheckpoint {
  checkpoint: CheckpointBody;
  /** SHA-256 (hex) of the canonical body: what the next checkpoint links to. */
  hash: string;
  /** SHA-256 (hex) of the signing public key (SPKI DER): which key a verifier needs. */
  keyId: string;
  /** Ed25519 signature of the canonical body, base64. */
  signature: string;
  /** Present when a TSA is configured (CHECKPOINT_TSA_URL): not part of what the hub signs, signed by the TSA. */
  timestamp?: CheckpointTimestamp;
}

export function canonicalCheckpoint(body: CheckpointBody): Buffer {
  return Buffer.from(canonicalize(body)!, 'utf8');
}

export function publicKeyId(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return sha256Hex(publicKey.export({ type: 'spki', format: 'der' }));
}

/** Builds a checkpoint body: heads sorted by client id (ordinal), so the same heads make the same bytes. */
export function checkpointBody(log: string, createdAt: Date, heads: readonly ChainHead[], previous: string | null): CheckpointBody {
  const sorted = [...heads].sort((a, b) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0));
  return {
    format: CHECKPOINT_FORMAT,
    log,
    createdAt: createdAt.toISOString(),
    heads: sorted.map((h) => ({ clientId: h.clientId, lastSeq: h.lastSeq, headHash: h.headHash })),
    previous,
  };
}

export function signCheckpoint(body: CheckpointBody, privateKey: KeyObject): SignedCheckpoint {
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`checkpoints are signed with Ed25519, not ${privateKey.asymmetricKeyType}`);
  const bytes = canonicalCheckpoint(body);
  return { checkpoint: body, hash: sha256Hex(bytes), keyId: publicKeyId(privateKey), signature: sign(null, bytes, privateKey).toString('base64') };
}

const HEX64 = /^[0-9a-f]{64}$/;
const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** Reads one line of a checkpoint file; throws with the reason when it is not a signed checkpoint. */
export function parseCheckpoint(line: string): SignedCheckpoint {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new Error('not JSON');
  }
  const v = value as Partial<SignedCheckpoint>;
  const body = v?.checkpoint as Partial<CheckpointBody> | undefined;
  if (!v || typeof v !== 'object' || !body || typeof body !== 'object') throw new Error('no checkpoint');
  if (body.format !== CHECKPOINT_FORMAT) throw new Error(`format is not ${CHECKPOINT_FORMAT}`);
  if (typeof body.log !== 'string' || typeof body.createdAt !== 'string' || Number.isNaN(Date.parse(body.createdAt))) throw new Error('log or createdAt missing');
  if (!(body.previous === null || (typeof body.previous === 'string' && HEX64.test(body.previous)))) throw new Error('previous is not a hash');
  if (!Array.isArray(body.heads)) throw new Error('heads missing');
  for (const h of body.heads) {
    if (!h || typeof h.clientId !== 'string' || typeof h.lastSeq !== 'string' || !DECIMAL.test(h.lastSeq) || typeof h.headHash !== 'string' || !HEX64.test(h.headHash)) {
      throw new Error('a head is not {clientId, lastSeq, headHash}');
    }
  }
  if (typeof v.hash !== 'string' || typeof v.keyId !== 'string' || typeof v.signature !== 'string') throw new Error('hash, keyId or signature missing');
  const t = v.timestamp;
  if (t !== undefined && (!t || typeof t.tsa !== 'string' || typeof t.genTime !== 'string' || typeof t.token !== 'string')) throw new Error('timestamp is not {tsa, genTime, token}');
  return v as SignedCheckpoint;
}

/** Why a checkpoint cannot be trusted, or undefined when its hash and signature hold for this public key. */
export function checkpointSignatureProblem(signed: SignedCheckpoint, publicKey: KeyObject): string | undefined {
  const bytes = canonicalCheckpoint(signed.checkpoint);
  if (sha256Hex(bytes) !== signed.hash) return 'its hash does not match its contents';
  if (signed.keyId !== publicKeyId(publicKey)) return `it was signed with another key (${signed.keyId.slice(0, 16)}…)`;
  let valid = false;
  try {
    valid = verify(null, bytes, publicKey, Buffer.from(signed.signature, 'base64'));
  } catch {
    valid = false;
  }
  return valid ? undefined : 'its signature does not verify';
}

export interface CheckpointFileProblem {
  /** 1-based line of the checkpoint file. */
  line: number;
  reason: string;
}

/**
 * Checks a checkpoint file's checkpoints among themselves: each signed with the key, linked to the one
 * before, of the same log, in time order, and no client's head going back or changing at the same sequence.
 */
export function checkpointSequenceProblems(checkpoints: readonly SignedCheckpoint[], publicKey: KeyObject, log?: string): CheckpointFileProblem[] {
  const problems: CheckpointFileProblem[] = [];
  const heads = new Map<string, ChainHead>();
  let previous: SignedCheckpoint | undefined;
  checkpoints.forEach((signed, i) => {
    const line = i + 1;
    const body = signed.checkpoint;
    const signatureProblem = checkpointSignatureProblem(signed, publicKey);
    if (signatureProblem) problems.push({ line, reason: `checkpoint of ${body.createdAt}: ${signatureProblem}` });
    if (log !== undefined && body.log !== log) problems.push({ line, reason: `checkpoint of ${body.createdAt} is of the log "${body.log}", not "${log}"` });
    const expectedPrevious = previous?.hash ?? null;
    if (body.previous !== expectedPrevious) problems.push({ line, reason: `checkpoint of ${body.createdAt} does not link to the one before it: a checkpoint was left out, added or moved` });
    if (previous && Date.parse(body.createdAt) < Date.parse(previous.checkpoint.createdAt)) problems.push({ line, reason: `checkpoint of ${body.createdAt} is older than the one before it` });
    for (const head of body.heads) {
      const before = heads.get(head.clientId);
      if (before && BigInt(head.lastSeq) < BigInt(before.lastSeq)) problems.push({ line, reason: `client ${head.clientId}'s head went back from seq ${before.lastSeq} to ${head.lastSeq}` });
      else if (before && head.lastSeq === before.lastSeq && head.headHash !== before.headHash) problems.push({ line, reason: `client ${head.clientId}'s row at seq ${head.lastSeq} has another hash than in the checkpoint before` });
      heads.set(head.clientId, head);
    }
    previous = signed;
  });
  return problems;
}

/**
 * The rows a log must still have, from every checkpoint: one per client and checkpointed sequence (a
 * sequence checkpointed again and again is checked once), with the first checkpoint that named it: a later
 * checkpoint of a rewritten row cannot replace the hash vouched for first (checkpointSequenceProblems names it).
 */
export function checkpointedRows(checkpoints: readonly SignedCheckpoint[]): { clientId: string; seq: string; hash: string; checkpointedAt: string }[] {
  const rows = new Map<string, { clientId: string; seq: string; hash: string; checkpointedAt: string }>();
  for (const { checkpoint } of checkpoints) {
    for (const head of checkpoint.heads) {
      if (head.lastSeq === '0') continue;
      const key = `${head.clientId}\n${head.lastSeq}`;
      if (!rows.has(key)) rows.set(key, { clientId: head.clientId, seq: head.lastSeq, hash: head.headHash, checkpointedAt: checkpoint.createdAt });
    }
  }
  return [...rows.values()];
}
