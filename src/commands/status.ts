// `zform status`: per job and dataset, what ZFS shows now (lag, pending snapshots, resumable state, protection,
// conflicts) and a verdict. Changes nothing. Exit 0 when every job is ok, 1 otherwise.
import type { CommandModule } from 'yargs';
import { configPath, type CommandContext, type GlobalArgs } from './common.js';
import { selectJobs } from './select.js';
import { parseDuration } from '../config/units.js';
import { ConfigValueError } from '../config/value-error.js';
import { checkOutputFile } from '../fsafe.js';
import { useColor } from '../io.js';
import { viewTypeOf } from '../views/view-type.js';
import { ExitCode, UsageError } from '../errors.js';

interface Args extends GlobalArgs {
  job?: string[];
  json?: boolean;
  'metrics-file'?: string;
  'lag-threshold'?: string;
}

/** --lag-threshold as ms, or a usage error naming the flag. */
export function parseLagThreshold(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  try {
    return parseDuration(text);
  } catch (err) {
    if (err instanceof ConfigValueError) throw new UsageError(`--lag-threshold ${err.message}`);
    throw err;
  }
}

export function statusCommand(ctx: CommandContext): CommandModule<GlobalArgs, Args> {
  return {
    command: 'status',
    describe: 'Show per job and dataset the lag, pending snapshots, resumable receives, protection and conflicts, with a verdict (changes nothing)',
    builder: (y) => y
      .option('job', { type: 'string', array: true, requiresArg: true, description: 'Only this job (repeatable)' })
      .option('json', { type: 'boolean', description: 'Print the status as one JSON document (schemas/status.schema.json)' })
      .option('metrics-file', { type: 'string', requiresArg: true, description: 'Also write Prometheus metrics to FILE (atomically; node_exporter textfile collector)' })
      .option('lag-threshold', { type: 'string', requiresArg: true, description: 'Lag above which a dataset is lagging, e.g. 2h (default: 2 x snapshotting.interval; 0 without snapshotting)' })
      .example('$0 status', 'Verdict per job (ok, lagging, conflict, failing) and a table of its datasets')
      .example('$0 status --json | jq \'.jobs[] | {job, verdict}\'', 'Machine-readable status')
      .example('$0 status --metrics-file /var/lib/node_exporter/textfile/zform.prom', 'For Prometheus (exit 1 when a job is not ok)'),
    handler: async (args) => {
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
