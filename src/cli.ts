// The CLI: yargs with one typed module per command; returns an exit code, never exits.
import yargs from 'yargs';
import { processIo, type Io } from './io.js';
import { ExitCode, UsageError, ZformError, exitCodeFor } from './errors.js';
import { ZFORM_VERSION } from './version.js';
import type { CommandContext, GlobalArgs } from './commands/common.js';
import { validateCommand } from './commands/validate.js';
import { versionCommand } from './commands/version.js';
import { planCommand } from './commands/plan.js';
import { applyCommand } from './commands/apply.js';
import { statusCommand } from './commands/status.js';
import { holdsCommand } from './commands/holds.js';

const EPILOGUE = `Exit codes: 0 success (no changes), 1 failure, 2 plan has changes (--detailed-exitcode),
64 usage error, 75 locked or temporary failure, 78 invalid configuration.
Config: -c FILE, else $ZFORM_CONFIG, else /etc/zform/zform.yml. See man zform and man zform.yml.`;

export async function run(argv: string[], io: Io = processIo()): Promise<number> {
  const ctx: CommandContext = { io, exitCode: ExitCode.ok };
  const verbose = argv.includes('-v') || argv.includes('--verbose');
  const parser = yargs(argv)
    .scriptName('zform')
    .usage('zform: declarative ZFS snapshot, replication and pruning\n\nUsage: $0 <command> [options]')
    .option('config', { alias: 'c', type: 'string', description: 'Config file', requiresArg: true, global: true })
    .option('verbose', { alias: 'v', type: 'boolean', description: 'Debug logging and stack traces', global: true })
    .option('color', { type: 'boolean', description: 'Colour output (--no-color or NO_COLOR turn it off)', global: true })
    .command(planCommand(ctx))
    .command(applyCommand(ctx))
    .command(statusCommand(ctx))
    .command(holdsCommand(ctx))
    .command(validateCommand(ctx))
    .command(versionCommand(ctx))
    .demandCommand(1, 'Name a command: see zform --help')
    .strict()
    .recommendCommands()
    .version(ZFORM_VERSION)
    .help()
    .alias('h', 'help')
    .epilogue(EPILOGUE)
    .wrap(Math.min(100, io.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(msg);
    });
  let output = '';
  try {
    await parser.parseAsync(argv, {}, (_err, _argv, out) => { output = out; });
  } catch (err) {
    return reportError(err, io, verbose);
  }
  if (output) io.stdout.write(output.endsWith('\n') ? output : output + '\n');
  return ctx.exitCode;
}

/** One line per error (plus detail lines), stack traces only with --verbose. */
export function reportError(err: unknown, io: Io, verbose: boolean): number {
  if (err instanceof ZformError) {
    io.stderr.write(`zform: ${err.shortMessage}\n`);
    for (const d of err.details) io.stderr.write(`zform: ${d}\n`);
    if (err instanceof UsageError) io.stderr.write(`Run 'zform --help' for usage.\n`);
  } else {
    const msg = err instanceof Error ? err.message : String(err);
    io.stderr.write(`zform: internal error: ${msg.split('\n')[0]}\n`);
  }
  if (verbose && err instanceof Error && err.stack) io.stderr.write(err.stack + '\n');
  return exitCodeFor(err);
}

export type { GlobalArgs };
