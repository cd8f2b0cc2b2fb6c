// The process surroundings a command works with, injectable for tests.
import type { Readable, Writable } from 'node:stream';
import type { Config } from './config/types.js';
import type { HostPool } from './hosts.js';
import type { CommandObserver } from './zfs/exec.js';

/** The signals that stop an apply gracefully: SIGHUP is a closed terminal or a lost SSH session. */
export type StopSignal = 'SIGHUP' | 'SIGINT' | 'SIGTERM';
const STOP_SIGNALS: readonly StopSignal[] = ['SIGHUP', 'SIGINT', 'SIGTERM'];

export interface Io {
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean };
  stdin: Readable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** the clock, for tests */
  now: () => Date;
  /** subscribe to SIGHUP/SIGINT/SIGTERM; returns the unsubscribe function */
  onSignal?: (handler: (signal: StopSignal) => void) => () => void;
  /** tests: the hosts plan and apply use (fakes) instead of openHosts */
  openHosts?: (config: Config, observer?: CommandObserver) => HostPool;
}

export function processIo(): Io {
  return {
    stdout: process.stdout, stderr: process.stderr, env: process.env, now: () => new Date(),
    // made when a command reads it (apply's and holds' confirmation): node's stdin of a file or /dev/null, as under
    // cron, is a file stream, whose modules (with node's readline) cost ~2 ms of every run
    get stdin() { return process.stdin; },
    onSignal: (handler) => {
      const listeners = STOP_SIGNALS.map((sig) => [sig, () => handler(sig)] as const);
      for (const [sig, fn] of listeners) process.on(sig, fn);
      return () => { for (const [sig, fn] of listeners) process.off(sig, fn); };
    },
  };
}

/**
 * Node writes to a terminal synchronously: a terminal that stops reading (Ctrl-S, an SSH session whose network
 * stalls) stopped all of zform in the middle of a write, its transfers over SSH, timeouts and signal handling with
 * it. This makes stdout and stderr queue in memory instead while the terminal does not drain (the progress line skips
 * frames then). libuv opened the terminal anew for zform (a descriptor above 2), so the shell's own descriptor stays
 * blocking; one libuv could not reopen is left as it is.
 */
export function writeTerminalsWithoutBlocking(io: Io): void {
  for (const stream of [io.stdout, io.stderr]) {
    const handle = (stream as { _handle?: { fd?: unknown; setBlocking?: (blocking: boolean) => unknown } })._handle;
    if (stream.isTTY && handle && typeof handle.fd === 'number' && handle.fd > 2 && typeof handle.setBlocking === 'function') {
      handle.setBlocking(false);
    }
  }
}

/** --color / --no-color decide; without either, colour only on a TTY, never with NO_COLOR, always with FORCE_COLOR. */
export function useColor(io: Io, flag: boolean | undefined): boolean {
  if (flag !== undefined) return flag;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== '0') return true;
  return Boolean(io.stdout.isTTY);
}
