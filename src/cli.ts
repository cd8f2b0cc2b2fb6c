// The CLI: yargs with one typed module per command; returns an exit code, never exits.
import { nearest } from './nearest.js';
import { processIo, type Io } from './io.js';
import { ExitCode, UsageError, ZformError, exitCodeFor } from './errors.js';
import { ZFORM_VERSION } from './version.js';
import type { CommandContext, GlobalArgs } from './commands/common.js';
import { validateCommand } from './commands/validate.js';
import { computeVersionOnly, versionCommand } from './commands/version.js';
import { planCommand } from './commands/plan.js';
import { applyCommand } from './commands/apply.js';
import { statusCommand } from './commands/status.js';
import { holdsCommand } from './commands/holds.js';
import { testCommand } from './commands/test.js';
import { importCommand } from './commands/import.js';
import { COMPLETION_KEY, completionCommand } from './commands/completion.js';
import { Observability } from './obs/observe.js';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from './obs/log-format.js';

const EPILOGUE = `Exit codes: 0 success (no changes), 1 failure, 2 plan has changes (--detailed-exitcode),
64 usage error, 75 locked or temporary failure, 78 invalid configuration,
129/130/143 apply stopped by SIGHUP/SIGINT/SIGTERM. Each command's --help lists its own.
Config: -c FILE, else $ZFORM_CONFIG, else /etc/zform/zform.yml. Logs go to stderr, output to stdout.
Shell completion: zform completion bash|zsh. See man zform and man zform.yml.`;

/** The run's logs and trace, from the global options (an invalid choice falls back; yargs reports it). */
function observability(args: Record<string, unknown>, io: Io, argv: string[]): Observability {
  const format = LOG_FORMATS.includes(args['log-format'] as LogFormat) ? args['log-format'] as LogFormat : 'human';
  const chosen = LOG_LEVELS.includes(args['log-level'] as LogLevel) ? args['log-level'] as LogLevel : 'warn';
  // a completion lookup (the shell calls zform on every TAB) never writes a trace over the user's one
  const completing = argv.includes(`--${COMPLETION_KEY}`);
  const trace = completing ? undefined : typeof args.trace === 'string' && args.trace !== '' ? args.trace : io.env.ZFORM_TRACE || undefined;
  return new Observability({ format, level: args.verbose ? 'debug' : chosen, stderr: io.stderr, clock: io.now, traceFile: trace, argv });
}

export async function run(argv: string[], io: Io = processIo()): Promise<number> {
  // a TAB on an option's value (--job <TAB>, --out <TAB>, --log-format=<TAB>): answered here, before yargs
  const completeAt = argv.indexOf(`--${COMPLETION_KEY}`);
  const words = completeAt >= 0 ? await import('./commands/complete-words.js') : null;
  const values = words ? await words.computeValueCompletions(argv.slice(completeAt + 1), io.env) : null;
  if (values) {
    io.stdout.write(values.map((v) => v + '\n').join(''));
    return ExitCode.ok;
  }
  // a bare version query (no trace asked for) needs neither yargs nor the run's observability
  const versionOnly = io.env.ZFORM_TRACE ? null : computeVersionOnly(argv);
  if (versionOnly !== null) {
    io.stdout.write(versionOnly);
    return ExitCode.ok;
  }
  const { default: yargs } = await import('yargs');
  const ctx: CommandContext = { io, exitCode: ExitCode.ok };
  const verbose = argv.includes('-v') || argv.includes('--verbose');
  let command = '';
  const parser = yargs(argv)
    .scriptName('zform')
    .usage('zform: declarative ZFS snapshot, replication and pruning\n\nUsage: $0 <command> [options]')
    .option('config', { alias: 'c', type: 'string', description: 'Config file', requiresArg: true, global: true })
    .option('verbose', { alias: 'v', type: 'boolean', description: 'Debug logging and stack traces', global: true })
    .option('color', { type: 'boolean', description: 'Colour output (--no-color or NO_COLOR turn it off)', global: true })
    .option('log-format', { choices: LOG_FORMATS, description: 'Log lines on stderr: human, logfmt or json (one object a line)', requiresArg: true, global: true })
    .option('log-level', { choices: LOG_LEVELS, description: 'Lowest level logged (default warn; -v means debug)', requiresArg: true, global: true })
    .option('trace', { type: 'string', description: 'Write a Chrome/Perfetto trace of the run to FILE (or $ZFORM_TRACE)', requiresArg: true, global: true })
    .middleware(async (args) => {
      checkArguments(args);
      // the options of the command being run are the parser's by now
      checkFlagValues(argv, (parser as unknown as { getOptions(): { boolean: string[] } }).getOptions().boolean);
      if (ctx.obs) return;
      ctx.obs = observability(args, io, argv);
      command = String(args._[0] ?? '');
      await ctx.obs.start();
    }, true)
    .command(planCommand(ctx))
    .command(applyCommand(ctx))
    .command(statusCommand(ctx))
    .command(holdsCommand(ctx))
    .command(testCommand(ctx))
    .command(importCommand(ctx))
    .command(validateCommand(ctx))
    .command(versionCommand(ctx))
    .command(completionCommand(ctx))
    // yargs answers `zform --get-yargs-completions WORDS...` (what the scripts call); its own command stays hidden
    .completion('__yargs-completion', false)
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
      // yargs' own parse errors (a flag missing its value, ...) are usage errors; a command's errors pass through
      if (err && err.name !== 'YError') throw err;
      throw new UsageError(usageMessage(msg ?? err?.message ?? 'invalid arguments', computeCommandWord(argv)));
    });
  skipHelpCache(parser);
  let output = '';
  try {
    await parser.parseAsync(argv, {}, (_err, _argv, out) => { output = out; });
  } catch (thrown) {
    // yargs throws some of its parse errors past .fail (a flag missing its value): usage errors too
    const err = thrown instanceof Error && thrown.name === 'YError' ? new UsageError(usageMessage(thrown.message), { cause: thrown }) : thrown;
    const code = exitCodeFor(err);
    if (ctx.obs && ctx.obs.log.format !== 'human') ctx.obs.errorRecord(err, code, verbose);
    else reportError(err, io, verbose);
    // a usage error ran nothing: no file is written after it (not even the trace it may name)
    await ctx.obs?.finish(command, code, { trace: !(err instanceof UsageError) });
    return code;
  }
  if (words) output = words.filterDefaultCompletions(output);
  if (output) io.stdout.write(output.endsWith('\n') ? output : output + '\n');
  const traced = (await ctx.obs?.finish(command, ctx.exitCode)) ?? true;
  return !traced && ctx.exitCode === ExitCode.ok ? ExitCode.failure : ctx.exitCode;
}

/** The options and operands that name a file, as the user writes them. */
const FILE_ARGUMENTS: readonly [key: string, shown: string][] = [['config', '-c/--config'], ['out', '--out'], ['metrics-file', '--metrics-file'], ['planfile', 'the plan file']];
/** The options (and operands) that take more than one value; every other one is given once. */
const REPEATABLE = new Set(['_', '--', 'job', 'files', 'input']);

/**
 * Usage errors (exit 64) yargs lets through. A file name that is empty, not taken for the option left out:
 * `zform apply --auto-approve "$PLAN"` with PLAN unset would otherwise plan afresh and apply that instead of the plan
 * reviewed, and `--out ""` would save nothing without a word (`--trace ""` is left as it was: $ZFORM_TRACE's file if
 * set, else no trace). And an option of one value given twice (`-c a.yml -c b.yml`), which yargs makes a list that
 * reached the code as "internal error" or, for a choice, went through unchecked. (Flags collapse: -v -v is -v.)
 */
function checkArguments(args: Record<string, unknown>): void {
  for (const [key, shown] of FILE_ARGUMENTS) {
    if (args[key] === '') throw new UsageError(`${shown} is an empty string: name a file`);
  }
  // yargs sets the words after "--" aside, and no command reads them: `apply --auto-approve -- x.plan` planned afresh
  const rest = args['--'];
  if (Array.isArray(rest) && rest.length > 0) {
    throw new UsageError(`words after "--" are not read (${rest.map(String).join(' ')}): name a file that begins with "-" as ./-FILE`);
  }
  for (const [key, value] of Object.entries(args)) {
    // each option is there under its long name, its camelCase name and its alias: the long name says it
    if (Array.isArray(value) && !REPEATABLE.has(key) && key.length > 1 && key === key.toLowerCase()) {
      throw new UsageError(`--${key} is given more than once (${value.map(String).join(', ')}): give it once`);
    }
  }
}

/**
 * A flag given a value other than true or false (`--detailed-exitcode=1`, `--auto-approve=yes`, `--color=maybe`)
 * is a usage error: yargs takes every such value for false, so a CI check's `--detailed-exitcode=1` would always
 * exit 0 and `--auto-approve=yes` would ask. Only the `--name=value` form carries a value (a word after a flag is
 * an operand). Pure.
 */
export function checkFlagValues(argv: readonly string[], flags: readonly string[]): void {
  const known = new Set(flags);
  for (const word of argv) {
    if (word === '--') return;
    const m = /^--([^=]+)=(.*)$/s.exec(word);
    if (!m) continue;
    const name = m[1]!.startsWith('no-') && known.has(m[1]!.slice(3)) ? m[1]!.slice(3) : m[1]!;
    if (known.has(name) && m[2] !== 'true' && m[2] !== 'false') {
      throw new UsageError(`--${m[1]} is a flag: give it alone (or =true / =false), not "${m[2]}"`);
    }
  }
}

/** yargs draws a command's whole help text before running its handler (to have it for a later showHelp): zform
 *  never shows help after a handler started, and drawing it was a large part of a short command's own time. */
function skipHelpCache(parser: unknown): void {
  const internal = parser as { getInternalMethods?(): { getUsageInstance?(): { cacheHelpMessage?: () => void } } };
  const usage = internal.getInternalMethods?.().getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => undefined;
}

/** yargs' messages in zform's words where they are unclear ("Not enough arguments following: job"). Pure. */
export function usageMessage(msg: string, commandWord?: string): string {
  const missing = /^Not enough arguments following: (.+)$/.exec(msg);
  if (missing) {
    const name = missing[1]!;
    return `${name.length === 1 ? '-' : '--'}${name} needs a value`;
  }
  // yargs says only "Did you mean plan?" for `zform plna`, and "Unknown argument: foo" for `zform foo`; the word is
  // quoted as JSON, so that a newline or an escape sequence in it stays on the one line, inert
  if (commandWord !== undefined) {
    const suggested = /^Did you mean (\S+)\?$/.exec(msg);
    // yargs suggests the nearest command however far it is ("bogus": holds): only a near one is a hint
    if (suggested) return `unknown command ${JSON.stringify(commandWord)}${nearest(commandWord, [suggested[1]!]) ? ` (did you mean ${suggested[1]}?)` : ''}`;
    if (msg === `Unknown argument: ${commandWord}`) return `unknown command ${JSON.stringify(commandWord)}`;
  }
  // one line: yargs' "Invalid values:\n  Argument: ..." joined
  return msg.split('\n').map((l) => l.trim()).filter((l) => l !== '').join(' ');
}

/** The global options that take a value (the next word, unless given as --name=value). */
const GLOBAL_VALUE_OPTIONS = new Set(['-c', '--config', '--log-format', '--log-level', '--trace']);

/** The word of argv in the command's place: the first that is neither an option nor a global option's value. Pure. */
export function computeCommandWord(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return argv[i + 1];
    if (GLOBAL_VALUE_OPTIONS.has(a)) { i++; continue; }
    if (!a.startsWith('-') || a === '-') return a;
  }
  return undefined;
}

/** `text` with its control characters (a newline, the ESC of an escape sequence, C1 controls, line separators) as
 *  visible escapes: a message stays one inert line whatever a name, flag or value quoted in it holds. Pure. */
export function computeInertLine(text: string): string {
  return text.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : c === '\r' ? '\\r' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/** One line per error (plus detail lines), stack traces only with --verbose. */
export function reportError(err: unknown, io: Io, verbose: boolean): number {
  if (err instanceof ZformError) {
    io.stderr.write(`zform: ${computeInertLine(err.shortMessage)}\n`);
    for (const d of err.details) io.stderr.write(`zform: ${computeInertLine(d)}\n`);
    if (err instanceof UsageError) io.stderr.write(`Run 'zform --help' for usage.\n`);
  } else {
    const msg = err instanceof Error ? err.message : String(err);
    io.stderr.write(`zform: internal error: ${computeInertLine(msg.split('\n')[0]!)}\n`);
  }
  if (verbose && err instanceof Error && err.stack) io.stderr.write(err.stack + '\n');
  return exitCodeFor(err);
}

export type { GlobalArgs };
