import { Command } from 'commander';
import { BulkLoadRepository, DiscrepancyRepository, type OpenBulkLoad, type RunView } from '@sanxian/persistence';
import { ReconciliationService, RunSummary } from '@sanxian/reconciliation';
import { UsageError } from './admin.commands';
import { withHub } from './cli-context';

export function registerReconcileCommand(program: Command): void {
  const reconcile = program
    .command('reconcile')
    .description('link every agency record to the registry, apply every rule, and update the discrepancies; waits and prints what changed')
    .option('--township <code>', 'write only this township\'s discrepancies (9 digits)')
    .option('--as-of <date>', 'reconcile as of this day (YYYY-MM-DD); default RECONCILE_AS_OF, else today in China')
    .option('--json', 'print the summary as JSON')
    .action(async (options: { township?: string; asOf?: string; json?: boolean }) => {
      if (options.township !== undefined && !/^\d{9}$/.test(options.township)) throw new UsageError(`--township must be a 9-digit township code; got "${options.township}"`);
      if (options.asOf !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(options.asOf)) throw new UsageError(`--as-of must be YYYY-MM-DD; got "${options.asOf}"`);
      const summary = await withHub(async (get, config) => {
        // An operator's run goes ahead while a bulk load is open (the automatic runs wait): say so, since it may raise what the rest of the load closes.
        const open = await get(BulkLoadRepository).open(config.bulkLoadQuietMs);
        if (open.length > 0) process.stderr.write(`${describeOpenLoads(open)}\n`);
        return get(ReconciliationService).run({ trigger: 'cli', townshipCode: options.township ?? null, asOf: options.asOf });
      });
      console.log(options.json ? JSON.stringify(summary) : describeRun(summary));
    });

  reconcile
    .command('runs')
    .description('list recent reconciliation runs, newest first: mode (incremental or full), what each read and changed')
    .option('--limit <n>', 'how many runs (1–1000, default 20)')
    .option('--json', 'print the runs as JSON')
    .action(async (_own: { limit?: string; json?: boolean }, command: Command) => {
      // `reconcile` has a --json of its own, which commander gives the parent: read both.
      const options = command.optsWithGlobals<{ limit?: string; json?: boolean }>();
      const limit = options.limit === undefined ? 20 : Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError(`--limit must be a whole number from 1 to 1000; got "${options.limit}"`);
      const runs = await withHub((get) => get(DiscrepancyRepository).recentRuns({ level: 'county' }, limit));
      console.log(options.json ? JSON.stringify(runs) : describeRuns(runs));
    });
}

/** One line per run: when, how, what it read and what it changed. */
export function describeRuns(runs: readonly RunView[]): string {
  if (runs.length === 0) return 'no reconciliation run yet';
  const header = ['run', 'mode', 'trigger', 'status', 'as of', 'started', 'ms', 'persons', 'facts', 'cards', 'raised', 'closed', 'changed'];
  // A run in parts says how far it has gone: townships linked, then decided.
  const progress = (r: RunView) => (r.parts === null ? '' : ` (${r.parts.decided}/${r.parts.townships} townships decided${r.parts.linked < r.parts.townships ? `, ${r.parts.linked} linked` : ''})`);
  const rows = runs.map((r) => [
    r.id, r.mode + (r.townshipCode ? ` ${r.townshipCode}` : ''), r.trigger, r.status + progress(r), String(r.asOf), new Date(r.startedAt).toISOString().slice(0, 19) + 'Z',
    r.finishedAt ? String(new Date(r.finishedAt).getTime() - new Date(r.startedAt).getTime()) : '',
    ...[r.personsRead, r.factsRead, r.cardsRead, r.raised, r.closed, r.changed].map((n) => (n === null ? '' : String(n))),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 6 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  const failed = runs.filter((r) => r.error).map((r) => `run ${r.id} failed: ${r.error}`);
  return [line(header), ...rows.map(line), ...failed].join('\n');
}

export function describeOpenLoads(open: readonly OpenBulkLoad[]): string {
  const loads = open.map((l) => `${l.clientName} (${l.agency}, ${l.loads.join('+')}: ${l.records} records, quiet end ${l.quietEndsAt.toISOString()})`);
  return `note: ${open.length} bulk load(s) still open: ${loads.join('; ')}. This run goes ahead; the runs after intake and the nightly run wait until every load is complete.`;
}

export function describeRun(s: RunSummary): string {
  const scope = s.townshipCode ? `township ${s.townshipCode}` : 'the whole county';
  const lines = [
    `reconciled ${scope} as of ${s.asOf} in ${(s.milliseconds / 1000).toFixed(1)} s (run ${s.runId})`,
    `  registry: ${s.cards} card(s); agency facts: ${s.facts}`,
    `  linkage: ${s.links.link} linked, ${s.links.review} to review, ${s.links.nonLink} not linked, ${s.links.manual} decided by staff`,
    ...(s.unlinked ? [`  not linked: ${describeUnlinked(s.unlinked)}`] : []),
    `  discrepancies: ${s.raised} raised, ${s.reopened} reopened, ${s.changed} updated, ${s.closedByData} closed by data`,
  ];
  const kinds = [...new Set([...Object.keys(s.found), ...Object.keys(s.byKind)])].sort();
  if (kinds.length) {
    const width = Math.max(...kinds.map((k) => k.length));
    lines.push(`  ${'kind'.padEnd(width)}  open  raised  closed`);
    for (const kind of kinds) {
      const changed = s.byKind[kind] ?? { raised: 0, closed: 0 };
      lines.push(`  ${kind.padEnd(width)}  ${String(s.found[kind] ?? 0).padStart(4)}  ${String(changed.raised).padStart(6)}  ${String(changed.closed).padStart(6)}`);
    }
  }
  return lines.join('\n');
}

/** The non-links by cause: outside the registry's scope first, then what may need looking into. */
export function describeUnlinked(u: RunSummary['unlinked']): string {
  const outside = u.man + u.child + u['over-49'];
  return `${outside} outside the registry's scope (${u.man} men, ${u.child} children under 15, ${u['over-49']} women over 49), ` +
    `${u['moved-in']} women who moved in (not registered yet), ${u['no-match']} women of 15–49 matching no card`;
}
