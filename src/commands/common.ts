// Options and helpers shared by every command module.
import type { Io } from '../io.js';

export interface GlobalArgs {
  config?: string;
  verbose?: boolean;
  color?: boolean;
}

/** What command modules share with the CLI: the io, and where to put the exit code. */
export interface CommandContext {
  io: Io;
  exitCode: number;
}

/** The config path: -c/--config, else $ZFORM_CONFIG, else /etc/zform/zform.yml. */
export function configPath(args: GlobalArgs, io: Io): string {
  return args.config ?? (io.env.ZFORM_CONFIG || '/etc/zform/zform.yml');
}
