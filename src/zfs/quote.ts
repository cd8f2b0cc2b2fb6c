// POSIX sh quoting of argv for a remote command line, so no argument can inject a command.
//
// sshd hands the exec command to the remote user's login shell (`$SHELL -c 'command'`), so every argument is
// wrapped in single quotes, inside which a POSIX shell interprets nothing (no `$`, backticks, `;`, globs or
// newlines); a `'` itself becomes `'\''` (close, escaped quote, reopen). This holds for sh, dash, bash, ksh and
// zsh. It does not hold for fish (a backslash escapes inside its single quotes) or csh/tcsh (a newline inside
// quotes is a syntax error): the remote user's login shell must be a POSIX shell, as root's is on Linux and on
// FreeBSD >= 14.
import { ZformError } from '../errors.js';

/** One argument, single-quoted. A NUL byte cannot reach a remote process and is refused. */
export function quoteArg(arg: string): string {
  if (arg.includes('\0')) {
    throw new ZformError('internal', `cannot pass an argument containing a NUL byte to a remote command: ${JSON.stringify(arg)}`);
  }
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** The command line for argv: every argument quoted, separated by one space. */
export function quoteCommand(argv: string[]): string {
  if (argv.length === 0) throw new ZformError('internal', 'cannot run an empty command');
  return argv.map(quoteArg).join(' ');
}
