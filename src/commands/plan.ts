// `zform plan`: list both sides, compute the plan, print it (human or JSON), optionally save it. Changes nothing.
import type { CommandModule } from 'yargs';
import { configPath, type CommandContext, type GlobalArgs } from './common.js';
import { EXIT_HELP } from './exit-help.js';
import { selectJobs } from './select.js';
import { checkOutputFile } from '../fsafe.js';
import { useColor } from '../io.js';
import { viewTypeOf } from '../views/view-type.js';
import { ExitCode, UsageError } from '../errors.js';
import { stat } from 'node:fs/promises';

interface Args extends GlobalArgs {
  job?: string[];
  json?: boolean;
  out?: string;
  'detailed-exitcode'?: boolean;
  'allow-rollback'?: boolean;
  'release-stale'?: boolean;
}

export function planCommand(ctx: CommandContext): CommandModule<GlobalArgs, Args> {
  return {
    command: 'plan',
    describe: 'Show what apply would snapshot, send, hold, bookmark, release and destroy (changes nothing)',
    builder: (y) => y
      .epilogue(EXIT_HELP.plan)
      .option('job', { type: 'string', array: true, requiresArg: true, description: 'Only this job (repeatable)' })
      .option('json', { type: 'boolean', description: 'Print the plan as one JSON document (schemas/plan.schema.json)' })
      .option('out', { type: 'string', requiresArg: true, description: 'Save the plan to FILE for "zform apply FILE"' })
      .option('detailed-exitcode', { type: 'boolean', description: 'Exit 0 no changes, 2 changes, 1 error' })
      .option('allow-rollback', { type: 'boolean', description: 'Plan rollbacks of diverged or modified targets to the newest common snapshot (destroys target-only snapshots; shown in the plan)' })
      .option('release-stale', { type: 'boolean', description: 'Plan the release of holds and destruction of bookmarks of jobs no longer in the config (found on datasets of the planned jobs)' })
      .example('$0 plan', 'Show the plan for every job in /etc/zform/zform.yml')
      .example('$0 plan -c zform.yml --job tank_to_nas --out tank.plan', 'Plan one job and save it for "zform apply tank.plan"')
      .example('$0 plan --detailed-exitcode >/dev/null; echo $?', 'In CI: 0 nothing to do, 2 changes pending, 1 error')
      .example('$0 plan --json | jq .summary', 'Machine-readable plan')
      .example('$0 plan -v --log-format logfmt 2>plan.log', 'Every zfs command with host, argv and duration, as logfmt on stderr'),
    handler: async (args) => {
      const { planNow } = await import('./planning.js');
      const { planErrors, planHasChanges } = await import('../plan/queries.js');
      const { loadConfig } = await import('../config/load.js');
      const { openHosts } = await import('../hosts.js');
      const { createPlanView } = await import('../views/plan-view.js');
      const { writePlanFile } = await import('../planfile.js');
      const { io } = ctx;
      if (args.out) await checkOutputFile('--out', args.out); // before listing: not "internal error" after planning
      const config = await loadConfig(configPath(args, io));
      if (args.out && await isSameFile(args.out, config.file)) throw new UsageError(`--out ${JSON.stringify(args.out)} is the configuration file: the plan would replace it; save the plan to another file`);
      const jobs = selectJobs(config, args.job);
      const hosts = (io.openHosts ?? openHosts)(config, ctx.obs?.observer);
      const view = createPlanView(viewTypeOf(args.json), io, { color: useColor(io, args.color) });
      try {
        const plan = await planNow(config, hosts, io, { jobs, allowRollback: args['allow-rollback'] ?? false, releaseStale: args['release-stale'] ?? false, obs: ctx.obs,
          fingerprints: args.json === true || args.out !== undefined }); // the human view shows none
        view.plan(plan);
        if (args.out) {
          await writePlanFile(args.out, plan);
          view.saved(args.out);
        } else if (planHasChanges(plan)) {
          view.unsaved();
        }
        const { errors, blockingErrors, anyActions } = planErrors(plan);
        // Conflicts make the run fail only when no dataset can proceed; a job's error that stops the whole job (a host
        // that could not be listed, a target pool that does not exist) always does (documented in man/zform.1).
        if ((errors > 0 && !anyActions) || blockingErrors > 0) ctx.exitCode = ExitCode.failure;
        else if (args['detailed-exitcode'] && anyActions) ctx.exitCode = ExitCode.changes;
        else ctx.exitCode = ExitCode.ok;
      } finally {
        await hosts.closeAll();
      }
    },
  };
}

/** Both paths name one existing file (the same device and inode: a link or another spelling of the path too). */
async function isSameFile(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([stat(a).catch(() => null), stat(b).catch(() => null)]);
  return x !== null && y !== null && x.dev === y.dev && x.ino === y.ino;
}
