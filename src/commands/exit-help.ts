// The "Exit codes:" paragraph of each command's --help: the codes that command can end with (README and
// man/zform.1 EXIT STATUS list them all).
import { ExitCode } from '../errors.js';

const COMMON: Record<number, string> = {
  [ExitCode.usage]: 'usage error (unknown flag or value, unknown job, ...)',
  [ExitCode.tempfail]: "another run holds a job's lock (try again later)",
  [ExitCode.config]: 'invalid configuration',
  [ExitCode.sighup]: 'stopped by SIGHUP: terminal or SSH session closed (resumable state kept)',
  [ExitCode.sigint]: 'stopped by SIGINT (resumable state kept)',
  [ExitCode.sigterm]: 'stopped by SIGTERM (resumable state kept)',
};

/** `own`: this command's meaning of 0, 1 (and 2); `codes`: the common codes it can end with. Pure. */
export function renderExitCodes(own: Record<number, string>, codes: number[]): string {
  const all: [number, string][] = [...Object.entries(own).map(([k, v]): [number, string] => [Number(k), v]), ...codes.map((c): [number, string] => [c, COMMON[c]!])];
  all.sort((a, b) => a[0] - b[0]);
  return `Exit codes:\n${all.map(([c, m]) => `  ${String(c).padEnd(4)}${m}`).join('\n')}`;
}

export const EXIT_HELP = {
  plan: renderExitCodes({ 0: 'planned (with --detailed-exitcode: no changes)', 1: 'failure (a host that cannot be listed, nothing can proceed)', 2: 'the plan has changes (only with --detailed-exitcode)' }, [ExitCode.usage, ExitCode.config]),
  apply: renderExitCodes({ 0: 'applied, or nothing to do', 1: 'failure (a step failed, a conflict, a stale saved plan, cancelled)' }, [ExitCode.usage, ExitCode.tempfail, ExitCode.config, ExitCode.sighup, ExitCode.sigint, ExitCode.sigterm]),
  status: renderExitCodes({ 0: 'every job is ok', 1: 'a job is lagging, in conflict or failing, or an error' }, [ExitCode.usage, ExitCode.config]),
  holdsList: renderExitCodes({ 0: 'listed', 1: 'failure (a host that cannot be listed)' }, [ExitCode.usage, ExitCode.config]),
  releaseStale: renderExitCodes({ 0: 'released (or nothing stale)', 1: 'failure, or cancelled' }, [ExitCode.usage, ExitCode.tempfail, ExitCode.config]),
  validate: renderExitCodes({ 0: 'the configuration is valid' }, [ExitCode.usage, ExitCode.config]),
  version: renderExitCodes({ 0: 'printed' }, [ExitCode.usage]),
  completion: renderExitCodes({ 0: 'printed' }, [ExitCode.usage]),
} as const;
