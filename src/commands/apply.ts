// `zform apply`: plan (or read a saved plan and refuse it if stale), confirm, execute, report.
import type { CommandModule } from 'yargs';
import { configPath, type CommandContext, type GlobalArgs } from './common.js';
import { EXIT_HELP } from './exit-help.js';
import { selectJobs } from './select.js';
import { checkOutputFile } from '../fsafe.js';
import { useColor, writeTerminalsWithoutBlocking, type Io, type StopSignal } from '../io.js';
import { viewTypeOf } from '../views/view-type.js';
import { ExitCode, UsageError } from '../errors.js';
import type { Plan } from '../plan/types.js';
import type { ApplyEvent } from '../apply/events.js';
import type { Config } from '../config/types.js';
import type { HostPool } from '../hosts.js';

interface Args extends GlobalArgs {
  planfile?: string;
  job?: string[];
  json?: boolean;
  'auto-approve'?: boolean;
  'allow-rollback'?: boolean;
  'metrics-file'?: string;
  'release-stale'?: boolean;
  parallelism?: number;
}

/** Asks for "yes"; false for any other answer, and at once when `signal` aborts (SIGINT, SIGTERM or SIGHUP at the
 *  prompt: before, zform said it was stopping and went on waiting for an answer). */
export async function confirm(io: Io, signal?: AbortSignal): Promise<boolean> {
  io.stdout.write(`\nDo you want to perform these actions?\n  zform will perform the actions described above.\n  Only 'yes' will be accepted to approve.\n\n`);
  const { createInterface } = await import('node:readline/promises'); // only apply asks: not loaded at every start
  const rl = createInterface({ input: io.stdin, output: io.stdout, terminal: false });
  try {
    if (signal?.aborted) return false;
    const answer = await rl.question('  Enter a value: ', { signal: signal ?? new AbortController().signal });
    return answer.trim() === 'yes';
  } catch (err) {
    if (signal?.aborted) return false;
    throw err;
  } finally {
    rl.close();
  }
}

/** The first SIGHUP/SIGINT/SIGTERM aborts the run (every running transfer stops, its resumable state stays); a
 *  second one kills the process at once. */
function listenForStop(ctx: CommandContext): { controller: AbortController; signalled: () => StopSignal | null; unsubscribe: () => void } {
  const { io } = ctx;
  const controller = new AbortController();
  let signalled: StopSignal | null = null;
  const unsubscribe = io.onSignal?.((sig) => {
    if (signalled) process.kill(process.pid, 'SIGKILL'); // a second signal: stop at once (resumable state stays)
    signalled = sig;
    const msg = `${sig}: stopping every running transfer (each keeps its resumable state), skipping the rest`;
    if (ctx.obs && ctx.obs.log.format !== 'human') ctx.obs.log.warn(msg, { signal: sig });
    else io.stderr.write(`\nzform: ${msg}\n`);
    controller.abort();
  }) ?? (() => undefined);
  return { controller, signalled: () => signalled, unsubscribe };
}

/** 128 + the signal's number, as a shell reports a process it killed. */
function stopExitCode(signal: StopSignal): number {
  return signal === 'SIGTERM' ? ExitCode.sigterm : signal === 'SIGHUP' ? ExitCode.sighup : ExitCode.sigint;
}

export function applyCommand(ctx: CommandContext): CommandModule<GlobalArgs, Args> {
  return {
    command: 'apply [planfile]',
    describe: 'Execute the plan (or a saved plan), protecting every step with holds and cursor bookmarks',
    builder: (y) => y
      .epilogue(EXIT_HELP.apply)
      .positional('planfile', { type: 'string', description: 'A plan saved with "zform plan --out FILE": planned again as of its time, run only if identical' })
      .option('job', { type: 'string', array: true, requiresArg: true, description: 'Only this job (repeatable; not with PLANFILE)' })
      .option('auto-approve', { type: 'boolean', description: 'Do not ask for confirmation (cron, systemd)' })
      .option('json', { type: 'boolean', description: 'NDJSON events on stdout (needs --auto-approve or PLANFILE)' })
      .option('allow-rollback', { type: 'boolean', description: 'Plan rollbacks of diverged or modified targets (not with PLANFILE)' })
      .option('release-stale', { type: 'boolean', description: 'Release holds and destroy bookmarks of jobs no longer in the config (shown in the plan; not with PLANFILE)' })
      .option('parallelism', { type: 'number', requiresArg: true, description: 'At most N transfers at once across all jobs (each job runs up to its replication.concurrency; jobs on different hosts run at once). Default: no ceiling but the jobs\' own' })
      .option('metrics-file', { type: 'string', requiresArg: true, description: 'Write Prometheus metrics of the run and the lag afterwards to FILE (atomically)' })
      .example('$0 apply', 'Plan, show the plan, ask, then execute')
      .example('$0 apply --auto-approve', 'From cron or a systemd timer: no question asked')
      .example('$0 plan --out tank.plan && $0 apply tank.plan', 'Execute exactly a reviewed plan')
      .example('$0 apply --auto-approve --json | jq -c .', 'Progress as NDJSON events')
      .example('$0 apply --auto-approve --metrics-file /var/lib/node_exporter/textfile/zform.prom', 'Metrics for the node_exporter textfile collector')
      .example('$0 apply --auto-approve --log-format json --log-level info --trace /tmp/zform.trace', 'Step logs as JSON lines on stderr and a trace for chrome://tracing or ui.perfetto.dev'),
    handler: (args) => runApply(ctx, args),
  };
}

/** Usage errors of apply's flags, before anything is read. */
function checkApplyArgs(args: Args, io: Io): void {
  const p = args.parallelism;
  if (p !== undefined && !(Number.isInteger(p) && p >= 1)) throw new UsageError(`--parallelism must be a whole number of at least 1${Number.isNaN(p) ? ' (what was given is no number)' : `, not ${String(p)}`}`);
  if (args.planfile && (args.job?.length || args['allow-rollback'] || args['release-stale'])) {
    throw new UsageError('--job, --allow-rollback and --release-stale are planning options: give them to "zform plan", not with a saved plan');
  }
  // stdin only when apply would ask: with --auto-approve (cron, systemd) node need not make its stream (~2 ms)
  const interactive = () => Boolean(io.stdin.isTTY) && !args.json;
  if (!args.planfile && !args['auto-approve'] && !interactive()) {
    throw new UsageError(args.json
      ? 'apply --json needs --auto-approve or a saved PLANFILE (there is no way to ask for confirmation)'
      : 'standard input is not a terminal, so apply cannot ask for confirmation: use --auto-approve (cron, systemd) or apply a saved plan');
  }
}

async function runApply(ctx: CommandContext, args: Args): Promise<void> {
  const { loadConfig } = await import('../config/load.js');
  const { openHosts } = await import('../hosts.js');
  const { readPlanFile } = await import('../planfile.js');
  const { checkSavedPlanFile } = await import('../apply/stale.js');
  const { acquireJobLock, lockDir } = await import('../apply/lock.js');
  const { io } = ctx;
  checkApplyArgs(args, io);
  writeTerminalsWithoutBlocking(io);
  if (args['metrics-file']) await checkOutputFile('--metrics-file', args['metrics-file']);
  const saved: Plan | null = args.planfile ? await readPlanFile(args.planfile) : null;
  // Always the config named by -c, $ZFORM_CONFIG or the default path: never the one a plan file names (its
  // `privilege` would run as root), which only appears in the message when the digests differ.
  const config = await loadConfig(configPath(args, io));
  // A saved plan's jobs, hosts and config digest are checked before any lock or zfs command.
  const jobs = saved ? checkSavedPlanFile(saved, config, io.now()) : selectJobs(config, args.job);
  // Locks first, so that the plan cannot go stale under a concurrent apply.
  const unlocks: (() => Promise<void>)[] = [];
  const hosts = (io.openHosts ?? openHosts)(config, ctx.obs?.observer);
  const stop = listenForStop(ctx);
  try {
    for (const j of [...jobs].sort()) unlocks.push(await acquireJobLock(lockDir(io.env), j, io.now()));
    await planAndExecute({ ctx, args, config, hosts, jobs, saved, stop });
  } finally {
    stop.unsubscribe();
    for (const u of unlocks.reverse()) await u();
    await hosts.closeAll();
  }
}

interface ApplyRun {
  ctx: CommandContext;
  args: Args;
  config: Config;
  hosts: HostPool;
  jobs: string[];
  saved: Plan | null;
  stop: ReturnType<typeof listenForStop>;
}

/** The plan to run: a saved plan planned again as of its time with its options (what runs, and what the summary
 *  counts, is this fresh plan, which equals the saved one or the apply is refused), or a fresh plan. */
async function obtainPlan({ ctx, args, config, hosts, jobs, saved }: ApplyRun): Promise<Plan> {
  if (saved) {
    const { recomputeSavedPlan } = await import('../apply/stale.js');
    const again = () => recomputeSavedPlan(saved, config, jobs, hosts, ctx.io.now());
    const plan = await (ctx.obs ? ctx.obs.span('check saved plan', { jobs: jobs.join(',') }, again) : again());
    ctx.obs?.planned(plan);
    return plan;
  }
  const { planNow } = await import('./planning.js');
  return planNow(config, hosts, ctx.io, { jobs, allowRollback: args['allow-rollback'] ?? false, releaseStale: args['release-stale'] ?? false, obs: ctx.obs });
}

/** Shows the plan, asks (unless approved), executes, reports and sets the exit code. */
async function planAndExecute(run: ApplyRun): Promise<void> {
  const { ctx, args, config, hosts, jobs, saved, stop } = run;
  const { io } = ctx;
  const { planErrors, planHasChanges } = await import('../plan/queries.js');
  const { applyPlan } = await import('../apply/execute.js');
  const { createApplyView } = await import('../views/apply-view.js');
  const { createApplyMetrics } = await import('../metrics/apply.js');
  const { writeApplyMetrics } = await import('./apply-metrics.js');
  const view = createApplyView(viewTypeOf(args.json), io, { color: useColor(io, args.color), tty: Boolean(io.stdout.isTTY) });
  const metrics = createApplyMetrics();
  const metricsFile = args['metrics-file'];
  const plan = await obtainPlan(run);
  view.plan(plan);
  // a job's own error (a host not listed, a target pool that does not exist, a source root gone) fails the run even
  // when the job's other actions (its snapshots) succeed: nothing of it is replicated until it is fixed
  const { errors, jobErrors } = planErrors(plan);
  if (!planHasChanges(plan)) {
    // --json still ends with its one change_summary (nothing changed; conflicts listed as outcomes), so that a
    // consumer never gets an empty output; applyPlan runs no zfs command for a plan without actions.
    const nothing = args.json || metricsFile ? await applyPlan(plan, config, { hosts, clock: io.now }) : null;
    if (args.json) view.finish(nothing!, io.now());
    ctx.exitCode = errors > 0 ? ExitCode.failure : ExitCode.ok;
    if (metricsFile) await writeApplyMetrics(metricsFile, jobs, nothing!, metrics, config, hosts, io);
    return;
  }
  if (!saved && !args['auto-approve'] && !(await confirm(io, stop.controller.signal))) {
    io.stdout.write('\nApply cancelled.\n');
    const signalled = stop.signalled();
    ctx.exitCode = signalled ? stopExitCode(signalled) : ExitCode.failure;
    return;
  }
  view.start();
  const hooks = (ev: ApplyEvent) => { if (metricsFile) metrics.onEvent(ev); ctx.obs?.onApplyEvent(ev); view.onEvent(ev); };
  const result = await applyPlan(plan, config, { hosts, hooks, signal: stop.controller.signal, clock: io.now, ...(args.parallelism ? { parallelism: args.parallelism } : {}) });
  view.finish(result, io.now());
  const signalled = stop.signalled();
  if (metricsFile) await writeApplyMetrics(metricsFile, jobs, result, metrics, config, hosts, io, !result.interrupted && !signalled);
  if (result.interrupted || signalled) {
    ctx.exitCode = stopExitCode(signalled ?? 'SIGINT');
  } else {
    const bad = result.outcomes.some((o) => o.status === 'failed' || o.status === 'skipped' || o.status === 'conflict' || o.status === 'interrupted');
    ctx.exitCode = bad || result.snapshotFailures.length > 0 || jobErrors > 0 ? ExitCode.failure : ExitCode.ok;
  }
}
