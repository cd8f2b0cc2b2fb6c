// `zform version`: zform's version, and with --json the versions of its runtime and formats.
import type { CommandModule } from 'yargs';
import type { CommandContext, GlobalArgs } from './common.js';
import { ZFORM_VERSION } from '../version.js';
import { PLAN_FORMAT_VERSION } from '../plan/types.js';

interface Args extends GlobalArgs { json?: boolean }

export function versionCommand(ctx: CommandContext): CommandModule<GlobalArgs, Args> {
  return {
    command: 'version',
    describe: 'Print the version of zform',
    builder: (y) => y
      .option('json', { type: 'boolean', description: 'Print versions as one JSON object' })
      .example('$0 version', 'Print "zform 0.1.0"')
      .example('$0 version --json', 'Print zform, Node.js and plan format versions as JSON'),
    handler: (args) => {
      if (args.json) {
        ctx.io.stdout.write(JSON.stringify({ zform: ZFORM_VERSION, node: process.versions.node, plan_format: PLAN_FORMAT_VERSION }) + '\n');
      } else {
        ctx.io.stdout.write(`zform ${ZFORM_VERSION}\n`);
      }
      ctx.exitCode = 0;
    },
  };
}
