// The transport under the ZFS layer: starts a process (argv) on one host. Local (execa) and SSH
// (ssh2) implement it; CommandZfsHost runs every zfs command through it via one choke point.
import type { Readable, Writable } from 'node:stream';

/** Buffer of the streams a transfer passes through (ours, between the pipes): a pipe delivers 64 KiB chunks, and a
 *  buffer smaller than that (node's default is 16 KiB) stops and restarts the sender on every chunk. Memory stays
 *  bounded by a few of these per transfer. */
export const STREAM_HIGH_WATER_MARK = 256 * 1024;

/** How long `exited` waits for stderr to close once the process has exited: a process it left behind (a hook's
 *  daemon) may hold stderr open for as long as it runs. */
export const STDERR_GRACE_MS = 2000;

export interface ExecResult {
  /** exit code, null when killed by a signal */
  code: number | null;
  signal: string | null;
  /** the full stderr text */
  stderr: string;
  /** set when the transport itself failed (SSH could not connect, lost the connection): not a command result */
  connectionError?: Error;
}

export interface ExecProcess {
  /** present when started with stdin: 'pipe' */
  readonly stdin: Writable | null;
  /** the output (already ended when started with stdout: 'direct') */
  readonly stdout: Readable;
  /** with stdout: 'direct' (local executors only): the pipe that is its stdout, to hand to another local process as
   *  its stdin (`ExecOptions.stdin`); nothing of it is read here */
  readonly stdoutPipe?: ExecPipe;
  /** resolves when the process has ended (never rejects; inspect code/signal) */
  readonly exited: Promise<ExecResult>;
  /** stderr collected so far */
  stderr(): string;
  kill(signal?: NodeJS.Signals): void;
}

/** The read end of a local process' stdout pipe, for another local process' stdin: the bytes go from one process to
 *  the other without passing through us. */
export interface ExecPipe {
  /** the stream that owns our copy of the pipe's file descriptor */
  readonly stream: Readable;
}

/** Sees a process' stderr as it arrives and returns what of it to keep (the rest is dropped: memory stays bounded
 *  for a process that reports progress on stderr); `end` returns what of an unfinished last line to keep. */
export interface StderrFilter {
  write(text: string): string;
  end(): string;
}

export interface ExecOptions {
  /** an ExecPipe: the stdout of another process of the same (local) executor, started with stdout: 'direct' */
  stdin?: 'pipe' | 'ignore' | ExecPipe;
  /** 'direct' (local executors only): stdout stays a pipe for another process (`stdoutPipe`) */
  stdout?: 'pipe' | 'direct';
  stderrFilter?: StderrFilter;
  /** local executors: the process leads a process group of its own and kill() signals the whole group (every member
   *  of a shell pipeline, wire.ts); over SSH the remote pipeline ends with its channel */
  processGroup?: boolean;
  /** the choke point runs the command to its end and reads all its output (runZfsResult: list, get, holds, destroy,
   *  ...): a local executor may start it on a lighter path than a stream's (LocalExecutor) */
  runToEnd?: boolean;
  /** stdout's reader takes each chunk while its 'data' event is emitted and keeps no reference to it (runZfsResult
   *  with a consumer): a local executor may then read every chunk into one buffer it reuses (LocalExecutor) */
  transientStdout?: boolean;
}

export interface ArgvBudget {
  bytes: number;
  perArgument: number;
}

export interface Executor {
  /** the config's host name ("local", "nas") */
  readonly host: string;
  /** how many arguments one command may carry: their bytes plus `perArgument` each within `bytes` (absent: the
   *  conservative MAX_ARGV_BYTES with a NUL each, which also fits a remote shell's one command string) */
  readonly argvBudget?: ArgvBudget;
  /** whether spawn can join two of its processes by a pipe (stdout: 'direct' and an ExecPipe stdin): local only */
  readonly directPipes?: boolean;
  /** whether it runs commands on this machine, whose files zform can check (a hook's executable) */
  readonly local?: boolean;
  /** start argv[0] with argv[1..] (no shell on our side; SSH quotes every argument) */
  spawn(argv: string[], opts?: ExecOptions): ExecProcess;
  close(): Promise<void>;
}

/** Observes every command the choke point runs (debug logs, traces, command counting). */
export interface CommandObserver {
  (event: { host: string; argv: string[]; durationMs: number; code: number | null; stderr: string }): void;
}
