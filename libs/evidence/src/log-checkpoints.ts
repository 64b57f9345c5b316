import { KeyObject, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CheckpointConfig } from '@sanxian/contracts';
import {
  CheckpointFileProblem, SignedCheckpoint, checkpointBody, checkpointSequenceProblems, checkpointSignatureProblem, checkpointedRows, parseCheckpoint,
  publicKeyId, signCheckpoint,
} from '@sanxian/domain';
import type { MessageLogRepository } from '@sanxian/persistence';
import { requestTimestamp, timestampProblem } from './timestamp-authority';

/**
 * The message log's anchor outside the database: signed checkpoints of every client's chain head,
 * appended to a file (and optionally sent to a witness), and the check of the log against them.
 * The signing key lives in a file the database never sees, so a database superuser who rewrites a
 * chain and recomputes its hashes cannot make a checkpoint agree.
 */

export interface WrittenCheckpoint {
  checkpoint: SignedCheckpoint;
  file: string;
  publicKeyFile: string;
  publicKey: string;
  /** The signing key was made by this call. */
  keyCreated: boolean;
  /** `sent`, the witness's refusal, or undefined when no witness is configured. */
  witness?: string;
  /** Why no RFC 3161 timestamp came, when a TSA is configured and none did. */
  timestampFailure?: string;
}

/** A row at or before a checkpoint that no longer has the checkpointed hash: rewritten, or the chain re-hashed. */
export interface RewrittenRow {
  clientId: string;
  seq: string;
  /** The message at that sequence now (null: the row is gone). */
  messageId: string | null;
  checkpointedAt: string;
  checkpointedHash: string;
  rowHash: string | null;
  /** The highest sequence of the client that still matches an earlier checkpoint: the change is in the rows after it, up to `seq`. */
  lastMatchingSeq: string | null;
}

export interface CheckpointAudit {
  file: string;
  publicKeyFile: string | null;
  checkpoints: number;
  /** Problems of the file itself: lines that are not checkpoints, bad signatures, broken links. */
  problems: CheckpointFileProblem[];
  rewritten: RewrittenRow[];
  latestAt: string | null;
  /** Checkpoints with an RFC 3161 timestamp that checks (imprint, time and signature). */
  timestamped: number;
  /** Messages received after the latest checkpoint: covered by the chain only. */
  messagesAfterLatest: number;
}

export class CheckpointSetupError extends Error {}

/** How far a checkpoint's own time may be from its RFC 3161 time: clocks differ, and the TSA is asked right after signing. */
const TIMESTAMP_TOLERANCE_MS = 10 * 60_000;

/** The signing key, made at first use (mode 0600, its public key beside it for witnesses and auditors). */
export async function signingKey(config: CheckpointConfig): Promise<{ privateKey: KeyObject; publicKeyPem: string; created: boolean }> {
  let pem: string | undefined;
  try {
    pem = await readFile(config.keyFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  let created = false;
  if (pem === undefined) {
    const { privateKey } = generateKeyPairSync('ed25519');
    pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    await mkdir(dirname(config.keyFile), { recursive: true, mode: 0o700 });
    try {
      // wx: another process making the key at the same moment wins, and its key is read instead.
      await writeFile(config.keyFile, pem, { flag: 'wx', mode: 0o600 });
      created = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      pem = await readFile(config.keyFile, 'utf8');
    }
  }
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new CheckpointSetupError(`${config.keyFile} is not an Ed25519 private key`);
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }) as string;
  await mkdir(dirname(config.publicKeyFile), { recursive: true });
  await writeFile(config.publicKeyFile, publicKeyPem, { flag: 'wx', mode: 0o644 }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  // Checkpoints that the configured public key cannot verify would be worthless: say so now, not at the audit.
  const published = createPublicKey(await readFile(config.publicKeyFile, 'utf8'));
  if (publicKeyId(published) !== publicKeyId(privateKey)) throw new CheckpointSetupError(`${config.publicKeyFile} is not the public key of ${config.keyFile}`);
  return { privateKey, publicKeyPem, created };
}

/** The checkpoints of a file, in order; lines that are not checkpoints are problems. Absent file: none. */
export async function readCheckpointFile(file: string): Promise<{ checkpoints: SignedCheckpoint[]; problems: CheckpointFileProblem[]; exists: boolean }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { checkpoints: [], problems: [], exists: false };
    throw error;
  }
  const checkpoints: SignedCheckpoint[] = [];
  const problems: CheckpointFileProblem[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    try {
      checkpoints.push(parseCheckpoint(line));
    } catch (error) {
      problems.push({ line: i + 1, reason: `not a signed checkpoint: ${(error as Error).message}` });
    }
  });
  return { checkpoints, problems, exists: true };
}

/**
 * The file's last checkpoint, read from its end: the file only grows, and a checkpoint is a line of a few KB.
 * A line after it that is not a checkpoint (a write cut short by a crash, or an edit) is passed over here and
 * named by `log verify`; `torn`: the file does not end with a line break, so the next line must start with one.
 */
async function lastCheckpoint(file: string): Promise<{ last?: SignedCheckpoint; torn: boolean }> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { torn: false };
    throw error;
  }
  try {
    const { size } = await handle.stat();
    for (let window = 1 << 20; ; window *= 4) {
      const start = Math.max(0, size - window);
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(size - start), 0, size - start, start);
      const text = buffer.subarray(0, bytesRead).toString('utf8');
      const torn = size > 0 && !text.endsWith('\n');
      // A window that starts inside a line holds it only in part: its first line is not read.
      const lines = text.split('\n').slice(start > 0 ? 1 : 0);
      for (let i = lines.length - 1; i >= 0; i--) {
        if (!lines[i].trim()) continue;
        try {
          return { last: parseCheckpoint(lines[i]), torn };
        } catch {
          // not a checkpoint: the one before it is the last
        }
      }
      if (start === 0) return { torn };
    }
  } finally {
    await handle.close();
  }
}

export class LogCheckpoints {
  constructor(
    private readonly log: MessageLogRepository,
    private readonly config: CheckpointConfig,
  ) {}

  /**
   * Signs every client's chain head and appends it to the checkpoint file (O_APPEND, one write, synced),
   * linked to the file's last checkpoint; then sends it to the witness, if one is configured. Refuses when a
   * client's recorded head is not the hash of its last row: a checkpoint must not vouch for a broken chain.
   */
  async write(now: () => Date = () => new Date()): Promise<WrittenCheckpoint> {
    const key = await signingKey(this.config);
    let timestampFailure: string | undefined;
    const signed = await this.log.serialisedCheckpoint(async () => {
      const { log, heads } = await this.log.chainHeads();
      const disagreeing = heads.filter((h) => h.rowHash !== h.headHash);
      if (disagreeing.length) {
        throw new CheckpointSetupError(`no checkpoint written: the chain head of ${disagreeing.map((h) => `client ${h.clientId} (seq ${h.lastSeq})`).join(', ')} is not the hash of its last row; run \`sanxian log verify\``);
      }
      const { last, torn } = await lastCheckpoint(this.config.file);
      if (last && last.keyId !== publicKeyId(key.privateKey)) {
        throw new CheckpointSetupError(`no checkpoint written: the last checkpoint in ${this.config.file} was signed with another key (${last.keyId.slice(0, 16)}…) than ${this.config.keyFile}`);
      }
      if (last && last.checkpoint.log !== log) {
        throw new CheckpointSetupError(`no checkpoint written: the last checkpoint in ${this.config.file} is of the database "${last.checkpoint.log}", not "${log}"; give each database its own CHECKPOINT_FILE`);
      }
      if (last) await this.refuseIfRewrittenSince(last);
      const checkpoint: SignedCheckpoint = signCheckpoint(checkpointBody(log, now(), heads, last?.hash ?? null), key.privateKey);
      if (this.config.tsaUrl) {
        // A TSA that cannot be reached costs the checkpoint its timestamp, not the checkpoint.
        try {
          checkpoint.timestamp = await requestTimestamp(this.config.tsaUrl, checkpoint.hash);
        } catch (error) {
          timestampFailure = (error as Error).message;
        }
      }
      await mkdir(dirname(this.config.file), { recursive: true });
      const handle = await open(this.config.file, 'a', 0o644);
      try {
        await handle.write(`${torn ? '\n' : ''}${JSON.stringify(checkpoint)}\n`);
        await handle.datasync();
      } finally {
        await handle.close();
      }
      return checkpoint;
    });
    const witness = this.config.witnessUrl ? await sendToWitness(this.config.witnessUrl, signed) : undefined;
    return { checkpoint: signed, file: this.config.file, publicKeyFile: this.config.publicKeyFile, publicKey: key.publicKeyPem, keyCreated: key.created, witness, timestampFailure };
  }

  /** Whether a client's row at a sequence was taken out of the database by an archive. */
  private async archivedThrough(): Promise<(clientId: string, seq: string) => boolean> {
    const { heads } = await this.log.archivedHeads();
    return (clientId, seq) => {
      const head = heads.get(clientId);
      return head !== undefined && BigInt(seq) <= BigInt(head.lastSeq);
    };
  }

  /** A new checkpoint must not vouch for a log that contradicts the last one: each row it named must still have its hash. */
  private async refuseIfRewrittenSince(last: SignedCheckpoint): Promise<void> {
    const archived = await this.archivedThrough();
    const named = last.checkpoint.heads.filter((h) => h.lastSeq !== '0' && !archived(h.clientId, h.lastSeq));
    const now = new Map((await this.log.rowsAt(named.map((h) => ({ clientId: h.clientId, seq: h.lastSeq })))).map((r) => [`${r.clientId}\n${r.seq}`, r]));
    const changed = named.filter((h) => now.get(`${h.clientId}\n${h.lastSeq}`)?.rowHash !== h.headHash);
    if (changed.length) {
      const rows = changed.map((h) => `client ${h.clientId} seq ${h.lastSeq}${now.get(`${h.clientId}\n${h.lastSeq}`) ? ` (message ${now.get(`${h.clientId}\n${h.lastSeq}`)!.messageId})` : ' (gone)'}`);
      throw new CheckpointSetupError(`no checkpoint written: the log no longer has the rows the last checkpoint (${last.checkpoint.createdAt}) vouched for: ${rows.join(', ')}; run \`sanxian log verify\``);
    }
  }

  /**
   * Checks the log against every checkpoint of the file: each signed with the public key and linked to the
   * one before, and each checkpointed row still holding its hash. Rows after the latest checkpoint are
   * covered by the chain only (verifyChains). One query for all checkpoints: a sequence checkpointed many
   * times is looked up once.
   */
  async audit(options: { file?: string; publicKeyFile?: string; logName?: string } = {}): Promise<CheckpointAudit> {
    const file = options.file ?? this.config.file;
    const read = await readCheckpointFile(file);
    const audit: CheckpointAudit = { file, publicKeyFile: null, checkpoints: read.checkpoints.length, problems: [...read.problems], rewritten: [], latestAt: null, timestamped: 0, messagesAfterLatest: 0 };
    const lastSequences = await this.log.lastSequences();
    const total = [...lastSequences.values()].reduce((n, seq) => n + Number(seq), 0);
    audit.messagesAfterLatest = total;
    if (!read.checkpoints.length) return audit;

    const publicKeyFile = options.publicKeyFile ?? this.config.publicKeyFile;
    let publicKey: KeyObject;
    try {
      publicKey = createPublicKey(await readFile(publicKeyFile, 'utf8'));
    } catch (error) {
      audit.problems.push({ line: 0, reason: `cannot read the public key ${publicKeyFile}: ${(error as Error).message}` });
      return audit;
    }
    audit.publicKeyFile = publicKeyFile;
    // A copy of the database restored under another name is checked against the original's checkpoints.
    const log = options.logName ?? (await this.log.chainHeads()).log;
    audit.problems.push(...checkpointSequenceProblems(read.checkpoints, publicKey, log));
    // Only what the key vouches for says which rows must be there.
    const trusted = read.checkpoints.filter((c) => checkpointSignatureProblem(c, publicKey) === undefined && c.checkpoint.log === log);
    if (!trusted.length) return audit;
    for (const [i, checkpoint] of read.checkpoints.entries()) {
      if (!checkpoint.timestamp) continue;
      const problem = await timestampProblem(checkpoint.timestamp, checkpoint);
      if (problem) audit.problems.push({ line: i + 1, reason: `checkpoint of ${checkpoint.checkpoint.createdAt}: ${problem}` });
      else if (Math.abs(Date.parse(checkpoint.timestamp.genTime) - Date.parse(checkpoint.checkpoint.createdAt)) > TIMESTAMP_TOLERANCE_MS) {
        audit.problems.push({ line: i + 1, reason: `checkpoint of ${checkpoint.checkpoint.createdAt} was timestamped at ${checkpoint.timestamp.genTime}: not when it says it was made` });
      } else audit.timestamped++;
    }
    const latest = trusted[trusted.length - 1];
    audit.latestAt = latest.checkpoint.createdAt;
    const covered = new Map(latest.checkpoint.heads.map((h) => [h.clientId, BigInt(h.lastSeq)]));
    audit.messagesAfterLatest = [...lastSequences].reduce((n, [clientId, seq]) => n + Math.max(0, Number(BigInt(seq) - (covered.get(clientId) ?? 0n))), 0);

    // Rows of an archived year are in its file (`log verify --archive`), no longer in the database.
    const archived = await this.archivedThrough();
    const expected = checkpointedRows(trusted).filter((row) => !archived(row.clientId, row.seq));
    const found = new Map((await this.log.rowsAt(expected)).map((r) => [`${r.clientId}\n${r.seq}`, r]));
    const byClient = new Map<string, typeof expected>();
    for (const row of expected) byClient.set(row.clientId, [...(byClient.get(row.clientId) ?? []), row]);
    for (const [clientId, rows] of byClient) {
      rows.sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : 1));
      let lastMatching: string | null = null;
      for (const row of rows) {
        const now = found.get(`${clientId}\n${row.seq}`);
        if (now && now.rowHash === row.hash) {
          lastMatching = row.seq;
          continue;
        }
        // The first mismatch of a client: re-hashing a chain changes every row after the edit, so later ones follow from it.
        audit.rewritten.push({
          clientId, seq: row.seq, messageId: now?.messageId ?? null, checkpointedAt: row.checkpointedAt, checkpointedHash: row.hash, rowHash: now?.rowHash ?? null, lastMatchingSeq: lastMatching,
        });
        break;
      }
    }
    return audit;
  }
}

/** POSTs the checkpoint's line to a witness; a witness that cannot be reached costs the checkpoint nothing, and is reported. */
async function sendToWitness(url: string, checkpoint: SignedCheckpoint): Promise<string> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-checkpoint-key-id': checkpoint.keyId },
      body: JSON.stringify(checkpoint),
      signal: AbortSignal.timeout(10_000),
    });
    await response.arrayBuffer().catch(() => undefined);
    return response.ok ? 'sent' : `refused with HTTP ${response.status}`;
  } catch (error) {
    return `not reached: ${(error as Error).message}`;
  }
}
