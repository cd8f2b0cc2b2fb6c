// `zform holds list` and `zform holds release-stale`: zform's holds and bookmarks on the datasets the configured
// jobs cover, which job owns each (by name), and whether it is stale and why; removing the stale ones after
// confirmation. The owner's lock is taken first, so that a running apply's step in flight is never removed.
import type { Argv, CommandModule } from 'yargs';
import { configPath, type CommandContext, type GlobalArgs } from './common.js';
import { EXIT_HELP } from './exit-help.js';
import { confirm } from './apply.js';
import { useColor } from '../io.js';
import { viewTypeOf } from '../views/view-type.js';
import { ExitCode, UsageError } from '../errors.js';

interface Args extends GlobalArgs {
  job?: string[];
  json?: boolean;
  'auto-approve'?: boolean;
}

function listCommand(ctx: CommandContext): CommandModule<GlobalArgs, Args> {
  return {
    command: 'list',
    describe: 'List every hold and bookmark zform owns: its job, dataset and host, and whether it is stale and why',
    builder: (y) => y
      .epilogue(EXIT_HELP.holdsList)
      .option('job', { type: 'string', array: true, requiresArg: true, description: 'Only those this job owns (repeatable; also a job no longer in the config)' })
      .option('json', { type: 'boolean', description: 'Print them as one JSON document' })
      .example('$0 holds list', 'Every zform hold and bookmark, stale ones with the reason')
      .example('$0 holds list --job old_name --json', 'Those a renamed or removed job left behind'),
    handler: async (args) => {
      const { loadConfig } = await import('../config/load.js');
      const { openHosts } = await import('../hosts.js');
      const { readAbstractions } = await import('../holds/read.js');
      const { createHoldsListView } = await import('../views/holds.js');
      const { io } = ctx;
      const config = await loadConfig(configPath(args, io));
      const hosts = openHosts(config);
      try {
        const list = await readAbstractions(config, hosts, args.job ?? []);
        createHoldsListView(viewTypeOf(args.json), io, { color: useColor(io, args.color) }).list(list, config.file);
        ctx.exitCode = ExitCode.ok;
      } finally {
        await hosts.closeAll();
      }
    },
  };
}

function releaseStaleCommand(ctx: CommandContext): CommandModule<GlobalArgs, Args> {
  return {
    command: 'release-stale',
    describe: 'Show the release/destroy lines for the stale holds and bookmarks, then apply them after confirmation',
    builder: (y) => y
      .epilogue(EXIT_HELP.releaseStale)
      .option('job', { type: 'string', array: true, requiresArg: true, description: 'Only those this job owns (repeatable; also a job no longer in the config)' })
      .option('auto-approve', { type: 'boolean', description: 'Do not ask for confirmation' })
      .example('$0 holds release-stale', 'Show what would be released and destroyed, ask, then do it')
      .example('$0 holds release-stale --job old_name --auto-approve', 'Remove what a renamed job left behind, without asking'),
    handler: async (args) => {
      const { loadConfig } = await import('../config/load.js');
      const { openHosts } = await import('../hosts.js');
      const { readAbstractions } = await import('../holds/read.js');
      const { applyReleaseLines } = await import('../holds/release.js');
      const { computeReleaseLines } = await import('../plan/stale-abstractions.js');
      const { acquireJobLock, lockDir } = await import('../apply/lock.js');
      const { renderReleasePlan } = await import('../views/holds.js');
      const { describeAction } = await import('../plan/describe.js');
      const { io } = ctx;
      const interactive = Boolean(io.stdin.isTTY);
      if (!args['auto-approve'] && !interactive) {
        throw new UsageError('standard input is not a terminal, so holds release-stale cannot ask for confirmation: use --auto-approve');
      }
      const config = await loadConfig(configPath(args, io));
      const color = useColor(io, args.color);
      const hosts = openHosts(config);
      const unlocks: (() => Promise<void>)[] = [];
      try {
        // Which jobs own stale ones is known only after listing: list, lock their owners, then list again
        // under the locks (a step that was in flight may have finished meanwhile).
        const owners = [...new Set((await readAbstractions(config, hosts, args.job ?? [])).filter((a) => a.stale).map((a) => a.job))].sort();
        for (const j of owners) unlocks.push(await acquireJobLock(lockDir(io.env), j, io.now()));
        const stale = (await readAbstractions(config, hosts, args.job ?? [])).filter((a) => a.stale && owners.includes(a.job));
        if (stale.length === 0) {
          io.stdout.write('No stale holds or bookmarks.\n');
          ctx.exitCode = ExitCode.ok;
          return;
        }
        const lines = computeReleaseLines(stale);
        io.stdout.write(renderReleasePlan(lines, { color }));
        if (!args['auto-approve'] && !(await confirm(io))) {
          io.stdout.write('\nRelease cancelled.\n');
          ctx.exitCode = ExitCode.failure;
          return;
        }
        io.stdout.write('\n');
        const outcomes = await applyReleaseLines(lines, hosts);
        for (const o of outcomes) io.stdout.write(`${describeAction(o.action)}: ${o.error === null ? 'done' : `failed: ${o.error}`}\n`);
        const failed = outcomes.filter((o) => o.error !== null).length;
        io.stdout.write(`\n${failed === 0 ? 'Done' : 'Finished with errors'}: ${outcomes.length - failed} of ${outcomes.length} line(s) applied.\n`);
        ctx.exitCode = failed === 0 ? ExitCode.ok : ExitCode.failure;
      } finally {
        for (const u of unlocks.reverse()) await u();
        await hosts.closeAll();
      }
    },
  };
}

export function holdsCommand(ctx: CommandContext): CommandModule<GlobalArgs, GlobalArgs> {
  return {
    command: 'holds',
    describe: "List zform's holds and bookmarks, and remove stale ones",
    builder: (y: Argv<GlobalArgs>) => y
      .command(listCommand(ctx))
      .command(releaseStaleCommand(ctx))
      .demandCommand(1, 'Name a holds command: list or release-stale')
      .epilogue(EXIT_HELP.releaseStale)
      .example('$0 holds list', "Every hold and bookmark zform owns, by job and dataset, and whether it is stale")
      .example('$0 holds release-stale', 'Show the removal of the stale ones, ask, then remove them'),
    handler: () => undefined,
  };
}
