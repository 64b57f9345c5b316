import { Command } from 'commander';
import { AGENCIES, isAgency, loadConfig } from '@sanxian/contracts';
import { JobProducer } from '@sanxian/jobs';
import { ClientRepository, IntakeRepository, MessageLogRepository, runMigrations } from '@sanxian/persistence';
import { withHub } from './cli-context';

function table(rows: Record<string, unknown>[]): string {
  if (!rows.length) return '(none)';
  const keys = Object.keys(rows[0]);
  const text = rows.map((r) => keys.map((k) => (r[k] instanceof Date ? (r[k] as Date).toISOString() : String(r[k] ?? '')))); 
  const widths = keys.map((k, i) => Math.max(k.length, ...text.map((t) => t[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(keys), ...text.map(line)].join('\n');
}

export function registerAdminCommands(program: Command): void {
  program
    .command('migrate')
    .description('create the database if needed and apply pending migrations')
    .action(async () => {
      const applied = await runMigrations(loadConfig().databaseUrl);
      console.log(applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}` : 'database is up to date');
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

  program
    .command('log')
    .description('the tamper-evident message log')
    .command('verify')
    .description("recompute every client's hash chain and name the first broken link")
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean }) => {
      const result = await withHub((get) => get(MessageLogRepository).verifyChains());
      if (options.json) console.log(JSON.stringify(result));
      else if (!result.breaks.length) console.log(`log intact: ${result.checked} message(s) in ${result.clients} client chain(s) verified`);
      else {
        console.log(`log BROKEN: ${result.breaks.length} chain(s) of ${result.clients}; ${result.checked} message(s) checked`);
        for (const b of result.breaks) console.log(`  client ${b.clientId}: first broken link at seq ${b.chainSeq}${b.messageId ? ` (message ${b.messageId})` : ''}: ${b.reason}`);
      }
      if (result.breaks.length) process.exitCode = 3;
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
