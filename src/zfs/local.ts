// The local Executor: starts processes on this machine with execa, streaming (nothing buffered but stderr); a command
// the choke point runs to its end (list, get, holds, ...) with node's spawn alone, the lighter path.
import { PassThrough, type Readable } from 'node:stream';
import { spawn as spawnChild, type ChildProcess } from 'node:child_process';
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { Socket, type SocketConstructorOpts } from 'node:net';
import { STDERR_GRACE_MS, STREAM_HIGH_WATER_MARK, type ArgvBudget, type ExecOptions, type ExecProcess, type ExecResult, type Executor } from './exec.js';
import { LINUX_ARGV_OVERHEAD, MAX_ARGV_BYTES, computeLocalArgvBudget } from './argv.js';

/** Where OpenZFS installs zfs (/usr/sbin on Debian and most distributions, /sbin on FreeBSD and older layouts), which
 *  the PATH of cron and of users other than root often lacks: searched after the user's own PATH. */
export const ZFS_DIRS = ['/usr/sbin', '/sbin'];

/** A child's PATH: `path` (an unset or empty one as /usr/bin:/bin), then each of ZFS_DIRS it lacks. Pure. */
export function computeChildPath(path: string | undefined): string {
  const base = path === undefined || path === '' ? '/usr/bin:/bin' : path;
  const dirs = base.split(':');
  return [base, ...ZFS_DIRS.filter((d) => !dirs.includes(d))].join(':');
}

/** What every child gets on top of our environment: zfs's messages in English, and zfs found where it is installed
 *  (from PATH as it is at the spawn). */
function childEnv(): { LC_ALL: string; PATH: string } {
  return { LC_ALL: 'C', PATH: computeChildPath(process.env.PATH) };
}

/** The stack's soft limit from /proc/self/limits (children inherit it; it sets Linux's argv limit): bytes, null for
 *  unlimited, undefined when not known (not Linux). */
export function readStackSoftLimit(): number | null | undefined {
  let text: string;
  try { text = readFileSync('/proc/self/limits', 'utf8'); } catch { return undefined; }
  const m = /^Max stack size\s+(\S+)/m.exec(text);
  if (!m) return undefined;
  return m[1] === 'unlimited' ? null : /^\d+$/.test(m[1]!) ? Number(m[1]) : undefined;
}

/** The argument budget of a local command: from the stack limit on Linux (about 1 MiB), else the conservative default. */
function readLocalArgvBudget(): ArgvBudget {
  const stack = readStackSoftLimit();
  if (stack === undefined) return { bytes: MAX_ARGV_BYTES, perArgument: 1 };
  let env = 0;
  for (const [k, v] of Object.entries({ ...process.env, ...childEnv() })) env += Buffer.byteLength(`${k}=${v ?? ''}`) + LINUX_ARGV_OVERHEAD;
  return { bytes: computeLocalArgvBudget(stack, env), perArgument: LINUX_ARGV_OVERHEAD };
}


export class LocalExecutor implements Executor {
  readonly host: string;
  readonly directPipes = true;
  readonly local = true;
  private budget: ArgvBudget | null = null;
  constructor(hostName = 'local') {
    this.host = hostName;
  }

  get argvBudget(): ArgvBudget {
    this.budget ??= readLocalArgvBudget();
    return this.budget;
  }

  spawn(argv: string[], opts: ExecOptions = {}): ExecProcess {
    const [file, ...args] = argv;
    if (file === undefined) throw new TypeError('LocalExecutor.spawn: empty argv');
    if (opts.runToEnd && !opts.processGroup && opts.stdout !== 'direct' && typeof opts.stdin !== 'object') return spawnToEnd(file, args, opts);
    const stdinPipe = typeof opts.stdin === 'object' ? opts.stdin : null;
    const direct = opts.stdout === 'direct';
    const sub = execa(file, args, {
      // another process' stdout pipe: node gives the child a copy of its descriptor
      stdin: stdinPipe ? stdinPipe.stream : opts.stdin === 'pipe' ? 'pipe' : 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      reject: false,
      stripFinalNewline: false,
      // our children never need a terminal or our environment's LANG quirks: keep zfs's messages in English
      env: childEnv(),
      extendEnv: true,
      cleanup: true,
      // its own process group, so that kill() reaches every process of a pipeline (execa's cleanup does not apply)
      ...(opts.processGroup ? { detached: true } : {}),
    });
    // The child has its copy of the pipe: ours must go now (in the same tick as the spawn of both sides, before
    // the event loop can read anything from it), or the writer would not see the reader go away.
    if (stdinPipe) stdinPipe.stream.destroy();
    const err = collectStderr(sub, opts.stderrFilter);
    // A write to a process that has gone is reported by `exited`, not as an unhandled stream error.
    sub.stdin?.on('error', () => {});
    sub.stdout!.on('error', () => {});
    // execa resumes an unread stdout on the next tick (data lost); a PassThrough keeps it until the caller reads,
    // with backpressure, and destroying it closes our end of the pipe (the writer then sees EPIPE).
    const stdout = new PassThrough({ highWaterMark: STREAM_HIGH_WATER_MARK });
    if (direct) stdout.end(); // the bytes go to the process that gets stdoutPipe
    else {
      sub.stdout!.pipe(stdout);
      stdout.on('close', () => { if (!sub.stdout!.destroyed) sub.stdout!.destroy(); });
    }
    const exited = waitExit(sub, file, err, (finish) => {
      // execa's own promise: never rejects with reject:false; it also reports spawn failures
      sub.then(
        (r) => { if (r.failed && r.exitCode === undefined && r.signal === undefined) finish({ code: 127, signal: null, stderr: err.final() + `${r.shortMessage}\n` }); },
        (e: unknown) => finish({ code: 127, signal: null, stderr: err.final() + `${String(e)}\n` }),
      );
    });
    return {
      stdin: sub.stdin ?? null,
      stdout,
      ...(direct ? { stdoutPipe: { stream: sub.stdout! } } : {}),
      exited,
      stderr: err.current,
      kill: (signal: NodeJS.Signals = 'SIGTERM') => {
        if (opts.processGroup && sub.pid !== undefined) {
          try { process.kill(-sub.pid, signal); return; } catch { /* the group is gone: signal the child alone */ }
        }
        sub.kill(signal);
      },
    };
  }

  async close(): Promise<void> {}
}

/** A child's stderr as it comes (through the stderr filter, if any): `current` so far, `final` once it has ended,
 *  `done` when it has (end, close or error). */
interface StderrCollector { current: () => string; final: () => string; done: Promise<void> }

function collectStderr(sub: Pick<ChildProcess, 'stderr'>, filter: ExecOptions['stderrFilter']): StderrCollector {
  let stderr = '';
  let stderrFinal: string | null = null;
  sub.stderr!.setEncoding('utf8');
  sub.stderr!.on('data', (d: string) => { stderr += filter ? filter.write(d) : d; });
  const done = new Promise<void>((resolve) => {
    sub.stderr!.once('end', resolve);
    sub.stderr!.once('close', resolve);
    sub.stderr!.once('error', () => resolve());
  });
  return {
    current: () => stderrFinal ?? stderr,
    final: () => { stderrFinal ??= stderr + (filter ? filter.end() : ''); return stderrFinal; },
    done,
  };
}

/** How a process ended, once it has and its stderr is read (a grandchild may hold stderr open: not forever);
 *  `more` may settle it first (execa's own report of a spawn failure). */
function waitExit(sub: Pick<ChildProcess, 'once' | 'stderr'>, file: string, err: StderrCollector, more?: (finish: (r: ExecResult) => void) => void): Promise<ExecResult> {
  return new Promise<ExecResult>((resolve) => {
    let settled = false;
    const finish = (r: ExecResult) => { if (!settled) { settled = true; resolve(r); } };
    sub.once('error', (e: Error) => {
      void err.done.then(() => finish({ code: 127, signal: null, stderr: err.final() + `${file}: ${e.message}\n` }));
    });
    sub.once('exit', (code: number | null, signal: NodeJS.Signals | null) => {
      const grace = setTimeout(() => { sub.stderr!.destroy(); finish({ code, signal, stderr: err.final() }); }, STDERR_GRACE_MS);
      void err.done.then(() => { clearTimeout(grace); finish({ code, signal, stderr: err.final() }); });
    });
    more?.(finish);
  });
}

/** The lighter path for a command run to its end (ExecOptions.runToEnd): node's spawn, without execa's option
 *  handling and stream plumbing (~3 ms of CPU a command, which counts when a short run starts five). What it gives
 *  up: execa's cleanup, which kills a child still running when zform exits; a command run to its end is awaited
 *  before zform exits, and if zform dies first the command ends on its closed stdout (or completes, as a destroy would
 *  under execa had the signal come a moment later). */
function spawnToEnd(file: string, args: string[], opts: ExecOptions): ExecProcess {
  const sub = spawnChild(file, args, { stdio: [opts.stdin === 'pipe' ? 'pipe' : 'ignore', 'pipe', 'pipe'], env: { ...process.env, ...childEnv() } });
  const err = collectStderr(sub, opts.stderrFilter);
  sub.stdin?.on('error', () => {});
  sub.stdout!.on('error', () => {});
  const stdout = opts.transientStdout ? readIntoOneBuffer(sub.stdout!) : sub.stdout!;
  return {
    stdin: sub.stdin ?? null,
    stdout, // node does not read it before the caller does
    exited: waitExit(sub, file, err),
    stderr: err.current,
    kill: (signal: NodeJS.Signals = 'SIGTERM') => { sub.kill(signal); },
  };
}

/** The most libuv reads from a pipe at a time. */
const READ_BYTES = 64 * 1024;

/**
 * A child's stdout read into one buffer of its own, reused for every read (ExecOptions.transientStdout: its reader
 * keeps nothing it is handed), instead of node's fresh 64 KiB for every read. Those buffers live until the collector
 * finds them dead, which it does by external memory (tens of MiB between collections), so at a listing's size they
 * grew the heap by as much, every page of it a fault. Measured at 10,000 x 100 (a plan reads ~220 MiB of listings;
 * bench/RESULTS.md, section 1, session 34): zform's system time 0.96 -> 0.69 s, page faults -15 %, peak RSS -11 %.
 *
 * Node starts a child only with the socket it makes itself, and a socket takes its `onread` buffer only when made:
 * so the pipe's handle moves from that socket to a new one with the buffer (the move child_process makes when it
 * wraps the handle, `net.Socket({ handle })`), and the first socket, left without it, is closed. Nothing can be read
 * in between (both happen before the event loop turns). If this Node's socket is not what that needs, stdout is
 * returned as it was.
 */
function readIntoOneBuffer(stdout: Readable): Readable {
  const first = stdout as Readable & { _handle?: { useUserBuffer?: unknown } | null };
  const handle = first._handle;
  if (!(stdout instanceof Socket) || typeof handle !== 'object' || handle === null || typeof handle.useUserBuffer !== 'function') return stdout;
  first._handle = null;
  stdout.destroy();
  const socket: Socket = new Socket({
    handle,
    readable: true,
    onread: { buffer: Buffer.allocUnsafe(READ_BYTES), callback: (n: number, buf: Uint8Array) => { socket.emit('data', (buf as Buffer).subarray(0, n)); } },
  } as SocketConstructorOpts);
  socket.on('error', () => {});
  return socket;
}
