// Options and helpers shared by every command module.
import type { Io } from '../io.js';
import { DEFAULT_CONFIG_PATH } from '../config/default-path.js';
import type { Observability } from '../obs/observe.js';

export interface GlobalArgs {
  config?: string;
  verbose?: boolean;
  color?: boolean;
  'log-format'?: string;
  'log-level'?: string;
  trace?: string;
}

/** What command modules share with the CLI: the io, and where to put the exit code. */
export interface CommandContext {
  io: Io;
  exitCode: number;
  /** the run's logs and trace (set by the CLI's middleware before a command runs) */
  obs?: Observability;
}

/** The config path: -c/--config, else $ZFORM_CONFIG, else /etc/zform/zform.yml. */
export function configPath(args: GlobalArgs, io: Io): string {
  return args.config ?? (io.env.ZFORM_CONFIG || DEFAULT_CONFIG_PATH);
}
