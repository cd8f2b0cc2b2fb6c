// Whether a hook's executable on a remote host could be changed by someone other than root and the user zform logs
// in as: the rule zform applies to its own files and local hooks (fsafe.ts computeExposure), read over the hook's
// own executor. A hook runs as that user (root, mostly): whoever can change the file, or a folder above it or above
// where it links to, would run their code as that user on that host.
//
// Three plain commands, no shell, each argument quoted by the SSH executor: `realpath FILE` (GNU, BusyBox, FreeBSD),
// `id -u`, and `env LC_ALL=C ls -ldnL FOLDERS... FILE`: POSIX ls, numeric owners, links followed, each line matched
// to its path by name (in whatever order that ls prints them). Anything that cannot be read for certain (a
// command missing, a file that does not resolve, output of another shape) means "cannot check", and the hook is not
// run: a check that gives way to odd output is no check.
import type { CommandObserver, Executor } from './exec.js';
import { runZfsResult } from './run.js';
import { computeCheckedPaths, computeExposure, describeChecked, type FileOwnership } from '../fsafe.js';

export type RemoteExposure =
  /** only root and the login user can change it */
  | { kind: 'safe' }
  /** someone else can: why, and the login user's uid (for the advice) */
  | { kind: 'exposed'; why: string; uid: number }
  /** it could not be told: why */
  | { kind: 'unknown'; why: string };

/** One `ls -ldn` line's type (`-` a file, `d` a folder, ...) and what computeExposure reads, or null. */
export function parseLsLong(line: string): (FileOwnership & { type: string }) | null {
  const f = line.split(/ +/);
  const m = /^([-dlcbps])([-r][-w][-xsS])([-r][-w][-xsS])([-r][-w][-xtT])[.+@]?$/.exec(f[0] ?? '');
  if (!m || f.length < 4 || !/^\d+$/.test(f[2]!) || !/^\d+$/.test(f[3]!)) return null;
  const type = m[1]!;
  let mode = 0;
  for (let t = 0; t < 3; t++) {
    const [r, w, x] = m[2 + t]!;
    const shift = 6 - 3 * t;
    if (r === 'r') mode |= 4 << shift;
    if (w === 'w') mode |= 2 << shift;
    if (x === 'x' || x === 's' || x === 't') mode |= 1 << shift;
    if (x === 's' || x === 'S') mode |= t === 0 ? 0o4000 : 0o2000;
    if (x === 't' || x === 'T') mode |= 0o1000;
  }
  return { type, uid: Number(f[2]), gid: Number(f[3]), mode, isDirectory: () => type === 'd' };
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

/** Why `file` (absolute) on the executor's host could be changed by someone other than root and the login user. */
export async function computeRemoteWriteExposure(exec: Executor, file: string, observer?: CommandObserver): Promise<RemoteExposure> {
  const unknown = (why: string): RemoteExposure => ({ kind: 'unknown', why });
  const failed = (argv: string[], r: { code: number | null; stderr: string }) =>
    unknown(`${argv[0]} ${r.code === null ? 'was killed' : `exited ${r.code}`}${firstLine(r.stderr) ? `: ${firstLine(r.stderr)}` : ''}`);
  if (!file.startsWith('/') || file.includes('\n')) return unknown('not an absolute path of one line');
  const realArgv = ['realpath', file];
  const rp = await runZfsResult(exec, realArgv, { observer });
  if (rp.code !== 0) return failed(realArgv, rp);
  const real = rp.stdout.endsWith('\n') ? rp.stdout.slice(0, -1) : '';
  if (!real.startsWith('/') || real.includes('\n')) return unknown(`realpath printed ${JSON.stringify(rp.stdout.slice(0, 200))}`);
  const idArgv = ['id', '-u'];
  const id = await runZfsResult(exec, idArgv, { observer });
  if (id.code !== 0) return failed(idArgv, id);
  if (!/^\d+\n$/.test(id.stdout)) return unknown(`id -u printed ${JSON.stringify(id.stdout.slice(0, 200))}`);
  const uid = Number(id.stdout.trim());
  const checked = computeCheckedPaths(file, real);
  const lsArgv = ['env', 'LC_ALL=C', 'ls', '-ldnL', ...checked];
  const ls = await runZfsResult(exec, lsArgv, { observer });
  if (ls.code !== 0) return failed(lsArgv.slice(2), ls);
  const lines = ls.stdout.split('\n');
  if (lines.pop() !== '' || lines.length !== checked.length) return unknown(`ls printed ${lines.length} lines for ${checked.length} paths`);
  // a line's path starts at its first " /": the columns before it (mode, links, owners, size, date) have no "/"
  const stat = new Map<string, FileOwnership & { type: string }>();
  for (const line of lines) {
    const st = parseLsLong(line);
    const at = line.indexOf(' /');
    const name = line.slice(at + 1);
    if (st === null || at < 0 || !checked.includes(name) || stat.has(name)) return unknown(`ls printed ${JSON.stringify(line.slice(0, 200))}`);
    stat.set(name, st);
  }
  const own = stat.get(real)!;
  // what is not a file (a folder) is not run as a program: the hook's run says so
  if (own.type !== '-') return { kind: 'safe' };
  for (const p of checked) {
    const why = computeExposure(describeChecked(file, real, p), stat.get(p)!, uid);
    if (why !== null) return { kind: 'exposed', why, uid };
  }
  return { kind: 'safe' };
}
