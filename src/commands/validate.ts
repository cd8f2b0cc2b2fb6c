// `zform validate`: check a configuration file, report every problem at once.
import type { CommandModule } from 'yargs';
import { configPath, type CommandContext, type GlobalArgs } from './common.js';
import { EXIT_HELP } from './exit-help.js';

type Args = GlobalArgs;

export function validateCommand(ctx: CommandContext): CommandModule<GlobalArgs, Args> {
  return {
    command: 'validate',
    describe: 'Check the configuration file and report every problem with its file:line:column',
    builder: (y) => y
      .epilogue(EXIT_HELP.validate)
      .example('$0 validate -c /etc/zform/zform.yml', 'Check a config; exit 0 if valid, 78 if not')
      .example('ZFORM_CONFIG=./zform.yml $0 validate', 'The config path can come from $ZFORM_CONFIG'),
    handler: async (args) => {
      const { loadConfig } = await import('../config/load.js');
      const config = await loadConfig(configPath(args, ctx.io));
      const n = config.jobs.length;
      ctx.io.stdout.write(`Configuration is valid: ${n} job${n === 1 ? '' : 's'}.\n`);
      ctx.exitCode = 0;
    },
  };
}
