// The choke point every zfs command goes through: runs argv on an Executor, reports it to the observer
// (argv, timing, exit code, stderr) and turns a failure into a ZfsError whose code says what happened.
import type { Readable } from 'node:stream';
import type { CommandObserver, ExecOptions, ExecResult, Executor } from './exec.js';
import type { ZfsProcess } from './types.js';
import { ZfsError } from './errors.js';
import { monotonicMs } from '../clock.js';

export interface RunOptions {
  observer?: CommandObserver;
}

export interface RunResultOptions extends RunOptions {
  /** Hands stdout to this consumer chunk by chunk as it arrives instead of collecting it (the result's stdout is then
   *  empty): a listing is parsed while it streams and never held whole. A chunk is the consumer's only during the
   *  call: the executor may read the next one into the same memory (ExecOptions.transientStdout), so what is kept is
   *  copied. When the consumer throws, the rest of stdout is not read (the command then ends on a closed pipe) and,
   *  once the command has ended, that error is thrown. */
  onStdout?: (chunk: Buffer) => void;
  /** written to the command's stdin, which is then closed (a channel program's script) */
  input?: string;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: string | null;
}

function readAll(stream: Readable): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => { out += d; });
    stream.once('end', () => resolve(out));
    stream.once('close', () => resolve(out));
    stream.once('error', () => resolve(out));
  });
}

/** Feeds stream to the consumer; resolves at its end with what the consumer threw, if it did (the stream is then
 *  destroyed: the writer sees a closed pipe). */
function feed(stream: Readable, consume: (chunk: Buffer) => void): Promise<{ error: unknown } | null> {
  return new Promise((resolve) => {
    let failed: { error: unknown } | null = null;
    stream.on('data', (d: Buffer) => {
      if (failed) return;
      try {
        consume(d);
      } catch (error) {
        failed = { error };
        stream.destroy();
        resolve(failed);
      }
    });
    stream.once('end', () => resolve(failed));
    stream.once('close', () => resolve(failed));
    stream.once('error', () => resolve(failed));
  });
}

function report(exec: Executor, argv: string[], t0: number, r: ExecResult, observer?: CommandObserver): void {
  observer?.({ host: exec.host, argv, durationMs: monotonicMs() - t0, code: r.code, stderr: r.stderr });
}

/** The ZfsError for a finished command (code from its stderr). */
export function makeZfsError(host: string, argv: string[], r: { stderr: string; code: number | null; signal: string | null }): ZfsError {
  return new ZfsError({ host, argv, stderr: r.stderr, exitCode: r.code, signal: r.signal });
}

/** Runs argv to its end and returns what it printed and how it ended; never throws for a failed command
 *  (a transport failure, e.g. SSH that cannot connect, rejects with that transport's own error). */
export async function runZfsResult(exec: Executor, argv: string[], opts: RunResultOptions = {}): Promise<RunResult> {
  const t0 = monotonicMs();
  const p = exec.spawn(argv, { stdin: opts.input === undefined ? 'ignore' : 'pipe', runToEnd: true, ...(opts.onStdout ? { transientStdout: true } : {}) });
  if (opts.input !== undefined && p.stdin) {
    p.stdin.on('error', () => {}); // a command that ends without reading it: its exit status says what happened
    p.stdin.end(opts.input);
  }
  if (opts.onStdout) {
    const [consumed, r] = await Promise.all([feed(p.stdout, opts.onStdout), p.exited]);
    report(exec, argv, t0, r, opts.observer);
    if (r.connectionError) throw r.connectionError;
    if (consumed) throw consumed.error;
    return { stdout: '', stderr: r.stderr, code: r.code, signal: r.signal };
  }
  const [stdout, r] = await Promise.all([readAll(p.stdout), p.exited]);
  report(exec, argv, t0, r, opts.observer);
  if (r.connectionError) throw r.connectionError;
  return { stdout, stderr: r.stderr, code: r.code, signal: r.signal };
}

/** Runs argv to its end; a non-zero exit or a signal rejects with a ZfsError. */
export async function runZfs(exec: Executor, argv: string[], opts: RunOptions = {}): Promise<{ stdout: string; stderr: string }> {
  const r = await runZfsResult(exec, argv, opts);
  if (r.code !== 0) throw makeZfsError(exec.host, argv, r);
  return { stdout: r.stdout, stderr: r.stderr };
}

/** Starts argv as a stream (send: read stdout; receive: write stdin); `done` rejects with a ZfsError on failure.
 *  A direct pipe between two local processes (transfer-direct.ts) passes `stdout: 'direct'` and an ExecPipe stdin. */
export function startZfs(
  exec: Executor, argv: string[], opts: RunOptions & Pick<ExecOptions, 'stdout' | 'stderrFilter' | 'processGroup'> & { stdin: NonNullable<ExecOptions['stdin']> },
): ZfsProcess {
  const t0 = monotonicMs();
  const p = exec.spawn(argv, { stdin: opts.stdin, stdout: opts.stdout, stderrFilter: opts.stderrFilter, ...(opts.processGroup ? { processGroup: true } : {}) });
  const done = p.exited.then((r) => {
    report(exec, argv, t0, r, opts.observer);
    if (r.connectionError) throw r.connectionError;
    if (r.code !== 0) throw makeZfsError(exec.host, argv, r);
  });
  done.catch(() => {}); // callers may await it later; never an unhandled rejection
  return {
    stdin: p.stdin,
    stdout: p.stdout,
    ...(p.stdoutPipe ? { stdoutPipe: p.stdoutPipe } : {}),
    done,
    stderr: () => p.stderr(),
    kill: (signal?: NodeJS.Signals) => p.kill(signal),
  };
}
