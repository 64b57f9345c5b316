import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { AGENCIES, isAgency, loadConfig, loadOrCreateSecretsKey } from '@sanxian/contracts';
import { showInvisibleCharacters } from '@sanxian/domain';
import { LogCheckpoints } from '@sanxian/evidence';
import { JobProducer } from '@sanxian/jobs';
import { ClientRepository, IntakeRepository, KeyRotationRepository, MessageLogRepository, SurveyReturnRepository, runMigrations } from '@sanxian/persistence';
import { withHub } from './cli-context';
import { registerLogArchiveCommand, registerLogPartitionsCommand, verifyArchiveFile } from './log-archive.command';

/** Text from outside as a terminal shows it: escape sequences and bidi controls as their code points, never run. */
function terminalText(value: string): string {
  return showInvisibleCharacters(value);
}

export function table(rows: Record<string, unknown>[]): string {
  if (!rows.length) return '(none)';
  const keys = Object.keys(rows[0]);
  const text = rows.map((r) => keys.map((k) => (r[k] instanceof Date ? (r[k] as Date).toISOString() : terminalText(String(r[k] ?? ''))))); 
  const widths = keys.map((k, i) => Math.max(k.length, ...text.map((t) => t[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(keys), ...text.map(line)].join('\n');
}

export function registerAdminCommands(program: Command): void {
  program
    .command('migrate')
    .description('create the database if needed and apply pending migrations')
    .action(async () => {
      const config = loadConfig();
      // The key seals personal data already stored when a migration first asks for it.
      const applied = await runMigrations(config.databaseUrl, { secretsKey: config.secretsKey });
      console.log(applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}` : 'database is up to date');
    });

  program
    .command('secrets')
    .description("the hub's key (SECRETS_KEY or SECRETS_KEY_FILE)")
    .command('rotate')
    .description('seal client secrets and citizen ids and names under a new key, in one transaction; stop the api and worker first')
    .requiredOption('--new-key-file <file>', 'the new key (base64 of 32 bytes); made with 32 random bytes, mode 0600, if there is no such file')
    .option('--json', 'print the result as JSON')
    .action(async (options: { newKeyFile: string; json?: boolean }) => {
      const { result, next } = await withHub(async (get, config) => {
        const rotation = get(KeyRotationRepository);
        const running = await rotation.keyHolderSessions();
        if (running.length) {
          throw new UsageError(`stop the api and worker first (they would go on sealing under the old key): ${running.map((r) => `${r.application} (${r.sessions} session(s))`).join(', ')}`);
        }
        const next = loadOrCreateSecretsKey(resolve(options.newKeyFile));
        if (next.key.equals(config.secretsKey)) throw new UsageError(`${next.path} holds the key in use now: give a new one`);
        return { result: await rotation.rotate(next.key), next };
      });
      if (options.json) {
        console.log(JSON.stringify({ ...result, newKeyFile: next.path, created: next.created }));
        return;
      }
      console.log(`sealed ${result.clients} client secret(s) and the citizen ids and names of ${result.personalData} row(s) under the key in ${next.path}${next.created ? ' (made now)' : ''}`);
      console.log(`now start the api, worker and CLI with SECRETS_KEY_FILE=${next.path} (or SECRETS_KEY set to its contents) and keep the old key until backups sealed under it expire; staff sign in again (their tokens were keyed from the old key)`);
    });

  const clients = program.command('clients').description('agency systems allowed to push records');
  clients
    .command('create')
    .description('create a client; its secret is printed once and cannot be shown again')
    .requiredOption('--agency <agency>', `one of ${AGENCIES.join(', ')}`)
    .requiredOption('--name <text>', 'a name people recognise, e.g. "西充县公安局户政系统"')
    .option('--json', 'print {"clientId", "secret"} as JSON')
    .action(async (options: { agency: string; name: string; json?: boolean }) => {
      if (!isAgency(options.agency)) throw new UsageError(`--agency must be one of ${AGENCIES.join(', ')}; got "${options.agency}"`);
      const agency = options.agency;
      const created = await withHub((get) => get(ClientRepository).create(agency, options.name));
      if (options.json) console.log(JSON.stringify(created));
      else console.log(`client id: ${created.clientId}\nsecret:    ${created.secret}\n(store the secret now: it is shown only this once)`);
    });
  clients
    .command('list')
    .option('--json', 'print as JSON')
    .action(async (options: { json?: boolean }) => {
      const list = await withHub((get) => get(ClientRepository).list());
      console.log(options.json ? JSON.stringify(list) : table(list.map((c) => ({ id: c.id, agency: c.agency, name: c.name, messages: c.messages, created: c.createdAt, revoked: c.revokedAt ?? '' }))));
    });
  clients
    .command('revoke <clientId>')
    .description('stop accepting requests from a client (its messages stay in the log)')
    .action(async (clientId: string) => {
      const found = await withHub((get) => get(ClientRepository).revoke(clientId));
      if (!found) throw new UsageError(`no client ${clientId}`);
      console.log(`revoked ${clientId}`);
    });

  const log = program.command('log').description('the tamper-evident message log');
  log
    .command('verify')
    .description("recompute every client's hash chain and the survey returns' chain, name the first broken link, and check the log against the signed checkpoints")
    .option('--checkpoints <file>', 'the checkpoint file to check against (default CHECKPOINT_FILE)')
    .option('--public-key <file>', 'the public key the checkpoints must verify with (default CHECKPOINT_PUBLIC_KEY_FILE)')
    .option('--log-name <name>', "the database name the checkpoints were written for, to check a copy restored under another name (default this database's)")
    .option('--archive <file>', 'check an archived year\'s file instead (its chains, and its hashes against those recorded)')
    .option('--json', 'print the result as JSON')
    .action(async (options: { checkpoints?: string; publicKey?: string; logName?: string; archive?: string; json?: boolean }) => {
      if (options.archive !== undefined) return verifyArchiveFile(options.archive, options.json, (message) => new UsageError(message));
      const explicit = [options.checkpoints, options.publicKey].filter((f): f is string => f !== undefined);
      for (const file of explicit) if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
      const result = await withHub(async (get, config) => {
        const chains = await get(MessageLogRepository).verifyChains();
        const checkpoints = await new LogCheckpoints(get(MessageLogRepository), config.checkpoints).audit({
          file: options.checkpoints && resolve(options.checkpoints),
          publicKeyFile: options.publicKey && resolve(options.publicKey),
          logName: options.logName,
        });
        const surveyReturns = await get(SurveyReturnRepository).verifyChain();
        return { ...chains, checkpoints, surveyReturns };
      });
      const cp = result.checkpoints;
      const failed = result.breaks.length > 0 || cp.problems.length > 0 || cp.rewritten.length > 0 || result.surveyReturns.breaks.length > 0;
      if (failed) process.exitCode = 3;
      if (options.json) {
        console.log(JSON.stringify(result));
        return;
      }
      if (!result.breaks.length) {
        const from = result.archivedThrough === undefined ? '' : ` (from the heads archived with ${result.archivedThrough})`;
        console.log(`chains intact: ${result.checked} message(s) in ${result.clients} client chain(s) verified${from}`);
      }
      else {
        console.log(`log BROKEN: ${result.breaks.length} chain(s) of ${result.clients}; ${result.checked} message(s) checked`);
        for (const b of result.breaks) console.log(`  client ${terminalText(b.clientId)}: first broken link at seq ${b.chainSeq}${b.messageId ? ` (message ${b.messageId})` : ''}: ${b.reason}`);
      }
      const returns = result.surveyReturns;
      if (!returns.breaks.length) console.log(`survey returns intact: ${returns.checked} signed return(s) on their chain verified`);
      else for (const b of returns.breaks) console.log(`survey returns BROKEN: first broken link at seq ${b.chainSeq}${b.returnId ? ` (return ${b.returnId})` : ''}: ${b.reason}`);
      if (!cp.checkpoints && !cp.problems.length) {
        console.log(`no checkpoint in ${cp.file}: only the chain vouches for the log, and a database superuser who rewrites a chain and its hashes would go unnoticed; write one with \`sanxian log checkpoint\``);
        return;
      }
      if (cp.rewritten.length) {
        console.log(`log REWRITTEN: ${cp.rewritten.length} client chain(s) no longer match their signed checkpoints`);
        for (const r of cp.rewritten) {
          // The row before it still matched a checkpoint: this row itself was changed. Else any row back to the last match may have been.
          const from = r.lastMatchingSeq === null ? 1n : BigInt(r.lastMatchingSeq) + 1n;
          const which = from === BigInt(r.seq) ? 'the row was rewritten' : `it, or a row before it back to seq ${from}, was rewritten and the hashes after it recomputed`;
          console.log(`  client ${terminalText(r.clientId)}: the row at seq ${r.seq}${r.messageId ? ` (message ${r.messageId})` : ' (gone)'} does not have the hash checkpointed at ${r.checkpointedAt}: ${which}`);
        }
      }
      for (const p of cp.problems) console.log(`  checkpoint file ${cp.file}${p.line ? ` line ${p.line}` : ''}: ${p.reason}`);
      if (cp.latestAt) {
        console.log(
          `checkpoints: ${cp.checkpoints} in ${cp.file}, signatures checked with ${cp.publicKeyFile}; every row up to the latest (${cp.latestAt}) ${cp.rewritten.length ? 'was checked against it' : 'still has its checkpointed hash'}; ` +
            `${cp.messagesAfterLatest} message(s) received after it are covered by the chain only` +
            (cp.timestamped ? `; ${cp.timestamped} checkpoint(s) carry an RFC 3161 timestamp whose imprint, time and signature check` : ''),
        );
      }
    });
  registerLogArchiveCommand(log, (message) => new UsageError(message));
  registerLogPartitionsCommand(log, (message) => new UsageError(message));
  log
    .command('checkpoint')
    .description("sign every client's chain head and append it to the checkpoint file (outside the database); sent to the witness if one is configured")
    .option('--json', 'print the checkpoint as JSON')
    .action(async (options: { json?: boolean }) => {
      const written = await withHub((get, config) => new LogCheckpoints(get(MessageLogRepository), config.checkpoints).write());
      if (options.json) {
        console.log(JSON.stringify(written));
        return;
      }
      const { checkpoint } = written;
      if (written.keyCreated) console.log(`made the signing key ${terminalText(written.publicKeyFile.replace(/\.pub$/, ''))}; give witnesses and auditors its public key, ${written.publicKeyFile}:\n${written.publicKey.trim()}`);
      const messages = checkpoint.checkpoint.heads.reduce((n, h) => n + BigInt(h.lastSeq), 0n);
      console.log(`checkpoint ${checkpoint.hash} of ${checkpoint.checkpoint.createdAt}: ${checkpoint.checkpoint.heads.length} client chain(s), ${messages} message(s), appended to ${written.file} (key ${checkpoint.keyId.slice(0, 16)}…)`);
      if (written.witness !== undefined) console.log(`witness: ${terminalText(written.witness)}`);
      if (checkpoint.timestamp) console.log(`RFC 3161 timestamp: ${checkpoint.timestamp.genTime} from ${checkpoint.timestamp.tsa}`);
      if (written.timestampFailure !== undefined) console.log(`RFC 3161 timestamp: none (${terminalText(written.timestampFailure)}); the checkpoint is kept without one`);
    });

  const dead = program.command('dead').description('messages that failed every processing attempt');
  dead
    .command('list')
    .option('--limit <n>', 'at most this many', '100')
    .option('--json', 'print as JSON')
    .action(async (options: { limit: string; json?: boolean }) => {
      const list = await withHub((get) => get(IntakeRepository).listDead(Number(options.limit)));
      console.log(options.json ? JSON.stringify(list) : table(list.map((m) => ({ message: m.id, client: m.clientId, record: m.recordId, kind: m.kind, received: m.receivedAt, error: m.error }))));
    });
  dead
    .command('replay [messageId]')
    .description('process dead messages again (safe: processing is idempotent)')
    .option('--all', 'replay every dead message')
    .action(async (messageId: string | undefined, options: { all?: boolean }) => {
      if (!messageId && !options.all) throw new UsageError('give a message id or --all');
      const result = await withHub(async (get) => {
        const revived = await get(IntakeRepository).reviveDead(options.all ? 'all' : [messageId!]);
        try {
          await get(JobProducer).enqueueIntake(revived.batchIds);
          await get(IntakeRepository).markEnqueued(revived.batchIds);
        } catch {
          // Redis is down: the relay enqueues the reopened batches when it returns.
        }
        return revived;
      });
      if (!result.messages && messageId) throw new UsageError(`message ${messageId} is not dead`);
      console.log(`replaying ${result.messages} message(s) in ${result.batchIds.length} batch(es)`);
    });
}

/** A mistake in how the command was called: printed without a stack, exit code 2. */
export class UsageError extends Error {}
