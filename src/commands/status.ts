// `zform status`: per job and dataset, what ZFS shows now (lag, pending snapshots, resumable state, protection,
// conflicts) and a verdict. Changes nothing. Exit 0 when every job is ok, 1 otherwise.
import type { CommandModule } from 'yargs';
import { configPath, type CommandContext, type GlobalArgs } from './common.js';
import { EXIT_HELP } from './exit-help.js';
import { selectJobs } from './select.js';
import { parseDuration } from '../config/units.js';
import { ConfigValueError } from '../config/value-error.js';
import { checkOutputFile } from '../fsafe.js';
import { useColor } from '../io.js';
import { viewTypeOf } from '../views/view-type.js';
import { ExitCode, UsageError, ZformError } from '../errors.js';

interface Args extends GlobalArgs {
  job?: string[];
  json?: boolean;
  'metrics-file'?: string;
  'lag-threshold'?: string;
  nagios?: boolean;
  'lag-critical'?: string;
}

/** --lag-threshold as ms, or a usage error naming the flag. */
export function parseLagThreshold(text: string | undefined, flag = '--lag-threshold'): number | undefined {
  if (text === undefined) return undefined;
  try {
    return parseDuration(text);
  } catch (err) {
    if (err instanceof ConfigValueError) throw new UsageError(`${flag} ${err.message}`);
    throw err;
  }
}

export function statusCommand(ctx: CommandContext): CommandModule<GlobalArgs, Args> {
  return {
    command: 'status',
    describe: 'Show per job and dataset the lag, pending snapshots, resumable receives, protection and conflicts, with a verdict (changes nothing)',
    builder: (y) => y
      .epilogue(EXIT_HELP.status)
      .option('job', { type: 'string', array: true, requiresArg: true, description: 'Only this job (repeatable)' })
      .option('json', { type: 'boolean', description: 'Print the status as one JSON document (schemas/status.schema.json)' })
      .option('metrics-file', { type: 'string', requiresArg: true, description: 'Also write Prometheus metrics to FILE (atomically; node_exporter textfile collector)' })
      .option('lag-threshold', { alias: 'lag-warning', type: 'string', requiresArg: true, description: 'Lag above which a dataset is lagging, e.g. 2h (default: 2 x snapshotting.interval; 0 without snapshotting); --nagios: WARNING' })
      .option('nagios', { type: 'boolean', description: 'Print one Nagios/Icinga plugin line (OK|WARNING|CRITICAL|UNKNOWN - ... | perfdata) and exit 0/1/2/3' })
      .option('lag-critical', { type: 'string', requiresArg: true, description: 'With --nagios: lag above which a lagging job is CRITICAL, e.g. 1d (default: lag alone is WARNING)' })
      .conflicts('nagios', 'json')
      .example('$0 status', 'Verdict per job (ok, lagging, conflict, failing) and a table of its datasets')
      .example('$0 status --json | jq \'.jobs[] | {job, verdict}\'', 'Machine-readable status')
      .example('$0 status --metrics-file /var/lib/node_exporter/textfile/zform.prom', 'For Prometheus (exit 1 when a job is not ok)')
      .example('$0 status --nagios --lag-warning 2h --lag-critical 1d', 'Nagios/Icinga check: lagging WARNING, conflict/failing CRITICAL, unlisted host UNKNOWN'),
    handler: async (args) => {
      if (args.nagios) return nagiosHandler(ctx, args);
      if (args['lag-critical'] !== undefined) throw new UsageError('--lag-critical applies only with --nagios');
      const { loadConfig } = await import('../config/load.js');
      const { openHosts } = await import('../hosts.js');
      const { readStatus } = await import('../status/read.js');
      const { createStatusView } = await import('../views/status-view.js');
      const { computeStatusMetrics } = await import('../metrics/status.js');
      const { renderExposition } = await import('../metrics/exposition.js');
      const { writeMetricsFile } = await import('../metrics/write.js');
      const { io } = ctx;
      const lagThresholdMs = parseLagThreshold(args['lag-threshold']);
      if (args['metrics-file']) await checkOutputFile('--metrics-file', args['metrics-file']);
      const config = await loadConfig(configPath(args, io));
      const jobs = selectJobs(config, args.job);
      const hosts = (io.openHosts ?? openHosts)(config);
      try {
        const report = await readStatus(config, jobs, hosts, io.now(), lagThresholdMs);
        createStatusView(viewTypeOf(args.json), io, { color: useColor(io, args.color) }).report(report);
        if (args['metrics-file']) await writeMetricsFile(args['metrics-file'], renderExposition(computeStatusMetrics(report)));
        ctx.exitCode = report.verdict === 'ok' ? ExitCode.ok : ExitCode.failure;
      } finally {
        await hosts.closeAll();
      }
    },
  };
}

/** --nagios: every outcome is one plugin line and a plugin exit code; an error (config, usage of a value) is UNKNOWN. */
async function nagiosHandler(ctx: CommandContext, args: Args): Promise<void> {
  const { io } = ctx;
  const { computeNagiosCheck, renderNagiosLine, NAGIOS_EXIT } = await import('../status/nagios.js');
  try {
    const { loadConfig } = await import('../config/load.js');
    const { openHosts } = await import('../hosts.js');
    const { readStatus } = await import('../status/read.js');
    const lagThresholdMs = parseLagThreshold(args['lag-threshold'], '--lag-warning');
    const lagCriticalMs = parseLagThreshold(args['lag-critical'], '--lag-critical');
    const config = await loadConfig(configPath(args, io));
    const jobs = selectJobs(config, args.job);
    const hosts = openHosts(config);
    try {
      const report = await readStatus(config, jobs, hosts, io.now(), lagThresholdMs);
      const check = computeNagiosCheck(report, { lagCriticalSeconds: lagCriticalMs === undefined ? undefined : lagCriticalMs / 1000 });
      if (args['metrics-file']) {
        const { computeStatusMetrics } = await import('../metrics/status.js');
        const { renderExposition } = await import('../metrics/exposition.js');
        const { writeMetricsFile } = await import('../metrics/write.js');
        await writeMetricsFile(args['metrics-file'], renderExposition(computeStatusMetrics(report)));
      }
      io.stdout.write(renderNagiosLine(check));
      ctx.exitCode = NAGIOS_EXIT[check.state];
    } finally {
      await hosts.closeAll();
    }
  } catch (err) {
    const message = err instanceof ZformError ? err.shortMessage : err instanceof Error ? err.message.split('\n')[0]! : String(err);
    io.stdout.write(renderNagiosLine({ state: 'UNKNOWN', text: `zform: ${message}`.replace(/[|\n\r]/g, ' '), perfdata: [] }));
    ctx.exitCode = NAGIOS_EXIT.UNKNOWN;
  }
}
