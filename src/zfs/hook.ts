// Hook commands (snapshotting.hooks, replication.hooks) through a host's executor: the argv that runs one with its
// environment and a timeout on the host itself, and the run that collects its output (bounded) and how it ended.
//
// argv: `timeout -k 5 SECONDS env NAME=VALUE... PATH`, no shell anywhere: locally execa starts `timeout` directly,
// over SSH every word is single-quoted (quote.ts), so no value reaches a shell unquoted. GNU/BusyBox `timeout` runs
// the hook in a process group of its own and, past SECONDS, sends SIGTERM to the whole group, SIGKILL 5 s later;
// that works over SSH too, where a root session ignores our signal requests (ssh.ts). Exit 124 (or 137 after the
// SIGKILL) is a timeout (so is a hook's own exit 124: `timeout` cannot tell them apart). Locally the process also leads a group of ours, killed as a backstop 15 s past the timeout.
import { STDERR_GRACE_MS, type CommandObserver, type Executor, type StderrFilter } from './exec.js';
import { monotonicMs } from '../clock.js';
import { computeWriteExposure, describeTrustedWriters } from '../fsafe.js';
import { computeRemoteWriteExposure } from './remote-exposure.js';

export interface HookRun {
  /** absolute path of the executable (no "=": it follows env's NAME=VALUE words) */
  path: string;
  /** ZFORM_* variables (names of [A-Z0-9_]) */
  env: Record<string, string>;
  timeoutMs: number;
}

export interface HookResult {
  /** exit code; null when killed by a signal or the transport failed */
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  /** stdout then stderr, each cut to its last HOOK_OUTPUT_MAX bytes */
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** What of a hook's output is kept per stream (its last bytes): enough for a log, bounded for a chatty hook. */
export const HOOK_OUTPUT_MAX = 16 * 1024;
/** SIGKILL this long after the SIGTERM of the timeout */
export const HOOK_KILL_AFTER_S = 5;
const BACKSTOP_MS = (HOOK_KILL_AFTER_S + 10) * 1000;

/** The argv of one hook run (pure). */
export function computeHookArgv(run: HookRun): string[] {
  if (!run.path.startsWith('/') || run.path.includes('=')) throw new TypeError(`not a hook path: ${run.path}`);
  const vars = Object.entries(run.env).map(([k, v]) => {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(k)) throw new TypeError(`not an environment variable name: ${k}`);
    return `${k}=${v}`;
  });
  const seconds = Math.max(run.timeoutMs, 1) / 1000;
  return ['timeout', '-k', String(HOOK_KILL_AFTER_S), String(seconds), 'env', ...vars, run.path];
}

function tail(text: string): string {
  return text.length > HOOK_OUTPUT_MAX ? text.slice(text.length - HOOK_OUTPUT_MAX) : text;
}

/** Keeps the last HOOK_OUTPUT_MAX characters of stderr. */
function tailFilter(): StderrFilter & { text(): string } {
  let kept = '';
  return { write: (t) => { kept = tail(kept + t); return ''; }, end: () => '', text: () => kept };
}

/** Runs a hook to its end (or its timeout); never throws for the hook's own failure. */
export async function runHookCommand(exec: Executor, run: HookRun, observer?: CommandObserver): Promise<HookResult> {
  const argv = computeHookArgv(run);
  const t0 = monotonicMs();
  // A hook runs as the user running zform (root, from cron), or over SSH as the user zform logs in as: an executable
  // another user could change would run their code as that user. On this machine it is checked as the configuration
  // is; on a remote host by the same rule, read with ls over the hook's own connection (remote-exposure.ts).
  const refuse = (why: string): HookResult => ({ code: null, signal: null, timedOut: false, stdout: '', stderr: `not run: ${why}\n`, durationMs: monotonicMs() - t0 });
  const uid = process.getuid?.();
  if (exec.local) {
    const exposed = uid !== undefined ? await computeWriteExposure(run.path, uid) : null;
    if (exposed !== null) return refuse(`${run.path}: ${exposed}; whoever can change it would run their code as this user: make it and its folders writable only by ${describeTrustedWriters(uid!)}`);
  } else {
    const remote = await computeRemoteWriteExposure(exec, run.path, observer);
    if (remote.kind === 'exposed') return refuse(`${run.path} on ${exec.host}: ${remote.why}; whoever can change it would run their code there as the user zform logs in as: make it and its folders writable only by ${describeTrustedWriters(remote.uid)}`);
    if (remote.kind === 'unknown') return refuse(`cannot check who can change ${run.path} on ${exec.host}: ${remote.why}`);
  }
  const errs = tailFilter();
  const p = exec.spawn(argv, { stdin: 'ignore', stderrFilter: errs, processGroup: true });
  let out = '';
  p.stdout.setEncoding('utf8');
  p.stdout.on('data', (d: string) => { out = tail(out + d); });
  p.stdout.on('error', () => {});
  const outDone = new Promise<void>((resolve) => { p.stdout.once('end', resolve); p.stdout.once('close', resolve); p.stdout.once('error', () => resolve()); });
  let backstop = false;
  const timer = setTimeout(() => { backstop = true; p.kill('SIGKILL'); }, run.timeoutMs + BACKSTOP_MS);
  const r = await p.exited.finally(() => clearTimeout(timer));
  // what it printed last, unless a process it left behind (a daemon it started) keeps stdout open: then our end of
  // the pipe is closed, or zform would stay alive (and keep its lock) for as long as that process runs, and over SSH
  // the channel would stay open
  const ended = await Promise.race([outDone.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), STDERR_GRACE_MS).unref())]);
  if (!ended) p.stdout.destroy();
  const durationMs = monotonicMs() - t0;
  const stderr = errs.text() + r.stderr; // r.stderr: only what the executor adds (a spawn or transport failure)
  observer?.({ host: exec.host, argv, durationMs, code: r.code, stderr });
  // timeout's own statuses (a hook that itself exits 124 reads as timed out too)
  const timedOut = backstop || r.code === 124 || r.code === 137;
  return { code: r.code, signal: r.signal, timedOut, stdout: out, stderr, durationMs };
}
