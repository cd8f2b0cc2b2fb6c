// `zform test filesystems`: which datasets each job's source.filesystems selects on its source host, and why
// (the pattern that decided, or none), without planning. Named after zrepl's `zrepl test filesystems`.
import type { Argv, CommandModule } from 'yargs';
import { configPath, type CommandContext, type GlobalArgs } from './common.js';
import { selectJobs } from './select.js';
import { useColor } from '../io.js';
import { ExitCode, UsageError } from '../errors.js';

interface Args extends GlobalArgs {
  job?: string[];
  input?: string[];
  all?: boolean;
  json?: boolean;
}

function filesystemsCommand(ctx: CommandContext): CommandModule<GlobalArgs, Args> {
  return {
    command: 'filesystems',
    describe: "Show which datasets each job's source.filesystems selects on its source host, and the pattern that decided (changes nothing, plans nothing)",
    builder: (y) => y
      .option('job', { type: 'string', array: true, requiresArg: true, description: 'Only this job (repeatable)' })
      .option('input', { type: 'string', array: true, requiresArg: true, description: 'Test these dataset names instead of listing the host (repeatable; no ZFS access)' })
      .option('all', { type: 'boolean', description: 'List every pool on the source host, not only the filter\'s roots (shows what no pattern covers)' })
      .option('json', { type: 'boolean', description: 'Print one JSON document (schemas/filesystems.schema.json)' })
      .conflicts('input', 'all')
      .example('$0 test filesystems --job tank_to_nas', '+ selected / - rejected, per dataset, with the deciding pattern')
      .example('$0 test filesystems --job tank_to_nas --input tank/data/tmp --input tank/new', 'Would these names be selected? (without looking at ZFS)')
      .example('$0 test filesystems --all --json | jq \'.jobs[].datasets[] | select(.selected) | .dataset\'', 'Every selected dataset, for scripts'),
    handler: async (args) => {
      const { datasetNamecheck } = await import('../zfs/names.js');
      const { loadConfig } = await import('../config/load.js');
      const { openHosts } = await import('../hosts.js');
      const { readFilesystemsReport } = await import('../selection/report.js');
      const { renderFilesystemsHuman, renderFilesystemsJson } = await import('../views/filesystems.js');
      const { io } = ctx;
      for (const name of args.input ?? []) {
        const err = datasetNamecheck(name);
        if (err) throw new UsageError(`--input "${name}": ${err}`);
      }
      const config = await loadConfig(configPath(args, io));
      const jobs = selectJobs(config, args.job);
      const hosts = openHosts(config);
      try {
        const report = await readFilesystemsReport(config, jobs, hosts, { all: args.all ?? false, input: args.input });
        io.stdout.write(args.json ? renderFilesystemsJson(report) + '\n' : renderFilesystemsHuman(report, { color: useColor(io, args.color) }));
        ctx.exitCode = report.jobs.some((j) => j.error !== null) ? ExitCode.failure : ExitCode.ok;
      } finally {
        await hosts.closeAll();
      }
    },
  };
}

export function testCommand(ctx: CommandContext): CommandModule<GlobalArgs, GlobalArgs> {
  return {
    command: 'test',
    describe: 'Check parts of the configuration against the hosts without planning (filesystems)',
    builder: (y: Argv<GlobalArgs>) => y
      .command(filesystemsCommand(ctx))
      .demandCommand(1, 'Name a test command: filesystems')
      .example('$0 test filesystems', 'Which datasets each job selects on its source host, and why'),
    handler: () => undefined,
  };
}
