// `zform version`: zform's version, and with --json the versions of its runtime and formats.
import type { CommandModule } from 'yargs';
import type { CommandContext, GlobalArgs } from './common.js';
import { EXIT_HELP } from './exit-help.js';
import { ZFORM_VERSION } from '../version.js';
import { PLAN_FORMAT_VERSION } from '../plan/types.js';

interface Args extends GlobalArgs { json?: boolean }

/** What `zform version [--json]` prints. */
export function renderVersion(json: boolean): string {
  return json ? JSON.stringify({ zform: ZFORM_VERSION, node: process.versions.node, plan_format: PLAN_FORMAT_VERSION }) + '\n' : `zform ${ZFORM_VERSION}\n`;
}

/** The output of an argv that only asks for the version (`version`, `version --json`, `--version`), else null: the
 *  CLI answers those before loading yargs (scripts and CI probe zform with them). */
export function computeVersionOnly(argv: string[]): string | null {
  if (argv.length === 1 && argv[0] === '--version') return ZFORM_VERSION + '\n'; // as yargs' .version() prints it
  if (argv[0] !== 'version' || argv.length > 2) return null;
  if (argv.length === 1) return renderVersion(false);
  return argv[1] === '--json' ? renderVersion(true) : null;
}

export function versionCommand(ctx: CommandContext): CommandModule<GlobalArgs, Args> {
  return {
    command: 'version',
    describe: 'Print the version of zform',
    builder: (y) => y
      .epilogue(EXIT_HELP.version)
      .option('json', { type: 'boolean', description: 'Print versions as one JSON object' })
      .example('$0 version', 'Print "zform 0.1.0"')
      .example('$0 version --json', 'Print zform, Node.js and plan format versions as JSON'),
    handler: (args) => {
      ctx.io.stdout.write(renderVersion(Boolean(args.json)));
      ctx.exitCode = 0;
    },
  };
}
