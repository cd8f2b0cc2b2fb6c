// The SSH Executor: runs argv on a remote host over one ssh2 connection (opened on first use), one exec channel each.
//
// Commands: every argument is single-quoted (quote.ts); the remote login shell must be a POSIX shell. A privilege
// prefix (sudo -n) is part of argv, added by CommandZfsHost.
//
// Connection: opened lazily by the first spawn and shared by all later ones (many channels on one connection).
// Channels beyond the server's MaxSessions wait for a free one (ssh-slots.ts). Host keys are checked strictly
// against the configured known_hosts (known-hosts.ts). A connection failure is sticky: every pending and later
// spawn reports the same error without reconnecting (zform runs once; the next run tries again). close() ends the
// connection and forgets a failure; a spawn after close() connects again.
//
// Transport failures: `exited` never rejects. When the command could not run or the connection was lost under it,
// `exited` resolves with `{ code: null, signal: null, stderr: <what it printed> + "<SshError's one line>\n",
// connectionError: SshError }` (SshExecResult): callers that know nothing of SSH see a failed command whose stderr
// explains it; the ZFS layer can surface `connectionError` (kind 'ssh') instead of a ZfsError.
//
// Stderr is collected (through ExecOptions.stderrFilter when given: `zfs send -v -P` of a compressed send). Once the
// exit status has come, `exited` waits for the end of stderr STDERR_GRACE_MS at most, as locally: a process the
// command left behind (a hook's daemon) may hold it open for as long as it runs.
// Streams: stdout is a PassThrough fed from the channel with backpressure (the SSH window is only reopened as it is
// read); stdin ('pipe') is a PassThrough piped into the channel; ending it sends EOF. Memory stays constant.
// When the remote command ends, an unfinished stdin is destroyed (a pipeline writing into it fails with a premature
// close and stops its source). When the consumer destroys stdout early, the channel is closed. When the writer
// destroys stdin early, EOF is sent (the remote reader sees a truncated input and fails).
//
// kill(signal): sends the signal request, then closes the channel. OpenSSH honours signal requests only for
// non-root logins (root sessions are not privilege-separated: "session signalling requires privilege
// separation"), so for root the remote command ends through the closed channel: a writer (zfs send) dies of
// SIGPIPE at its next write, a reader of stdin (zfs receive) reads EOF and fails; verified on a real sshd. A remote
// command that neither reads nor writes (sleep) runs to its end, and `exited` resolves only then. When the server
// reports no exit status after a kill, `exited` reports the signal we sent.
import { PassThrough } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import type { SshOptions } from './options.js';
import { STDERR_GRACE_MS, STREAM_HIGH_WATER_MARK, type ExecOptions, type ExecProcess, type ExecResult, type Executor, type StderrFilter } from './exec.js';
import { ZformError } from '../errors.js';
import { quoteCommand } from './quote.js';
import { renderTarget, runSshConnect, KEEPALIVE_COUNT_MAX, type SshClient, type SshTarget } from './ssh-connect.js';
import { SshError } from './ssh-error.js';
import { ChannelSlots } from './ssh-slots.js';

export { SshError } from './ssh-error.js';

/** `exited` of an SSH process: `connectionError` is set when the transport, not the command, failed. */
export interface SshExecResult extends ExecResult {
  connectionError?: SshError;
}

/** What spawn returns: an ExecProcess whose `exited` may carry the transport's error. */
export interface SshExecProcess extends ExecProcess {
  readonly exited: Promise<SshExecResult>;
}

export interface SshExecutorOptions {
  /** ssh-agent socket; default: the SSH_AUTH_SOCK environment variable */
  agent?: string;
}

/** Before every remote command (a POSIX shell's assignments, for that command and its children), as for local
 *  commands (local.ts): zfs's messages in English and its numbers unlocalised whatever the remote user's locale, and
 *  zfs found in /usr/sbin or /sbin, which the PATH sshd gives a user other than root lacks (Debian's has neither). */
export const REMOTE_ENV = 'LC_ALL=C PATH="${PATH:-/usr/bin:/bin}:/usr/sbin:/sbin" ';

/** sshd runs `$SHELL -c COMMAND`: COMMAND is one argument, which Linux limits to 128 KiB (MAX_ARG_STRLEN, NUL included). */
export const MAX_REMOTE_COMMAND_BYTES = 128 * 1024 - 1;

/** Refused opens while no other channel is open are retried this often (the server may still be freeing a session). */
const LONE_REFUSAL_RETRIES = 3;

/** One remote command: the streams handed out, fed from its channel once that is open. */
class SshProcess implements SshExecProcess {
  readonly stdin: PassThrough | null;
  readonly stdout = new PassThrough({ highWaterMark: STREAM_HIGH_WATER_MARK });
  readonly exited: Promise<SshExecResult>;
  private resolveExited!: (r: SshExecResult) => void;
  private stderrText = '';
  private channel: ClientChannel | null = null;
  private exit: { code: number | null; signal: string | null } | null = null;
  private stderrEnded = false;
  /** set at the exit status while stderr has not ended: finishes without its end (STDERR_GRACE_MS) */
  private grace: NodeJS.Timeout | null = null;
  private done = false;
  /** the signal of kill(), once called */
  killedWith: NodeJS.Signals | null = null;

  constructor(pipeStdin: boolean, private readonly filter?: StderrFilter) {
    this.stdin = pipeStdin ? new PassThrough({ highWaterMark: STREAM_HIGH_WATER_MARK }) : null;
    this.exited = new Promise((resolve) => { this.resolveExited = resolve; });
    // A write to a process that has gone is reported by `exited`, not as an unhandled stream error.
    this.stdin?.on('error', () => {});
    this.stdout.on('error', () => {});
  }

  get finished(): boolean { return this.done; }

  stderr(): string { return this.stderrText; }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.done || this.killedWith !== null) return;
    this.killedWith = signal;
    const ch = this.channel;
    if (ch === null) { // not started yet: it never will be
      this.stdout.end();
      this.finish({ code: null, signal, stderr: this.stderrText });
      return;
    }
    ch.signal(signal.replace(/^SIG/, ''));
    ch.close();
  }

  /** The channel is open: wire it to the streams. */
  attach(ch: ClientChannel, onClose: () => void): void {
    this.channel = ch;
    if (this.killedWith !== null || this.done) { // killed (or failed) while opening
      ch.once('close', onClose);
      ch.stderr.resume();
      ch.resume();
      ch.close();
      return;
    }
    ch.on('error', (err: Error) => { this.stderrText += `ssh: ${err.message}\n`; });
    ch.stderr.setEncoding('utf8');
    ch.stderr.on('data', (d: string) => { this.stderrText += this.filter ? this.filter.write(d) : d; });
    ch.stderr.once('end', () => { this.stderrEnded = true; this.maybeFinish(); });
    ch.on('exit', (code: number | null, signal?: string) => {
      this.exit = { code: code ?? null, signal: code === null || code === undefined ? signal ?? null : null };
      this.maybeFinish();
      if (!this.done && this.grace === null) this.grace = setTimeout(() => { if (!this.done) this.finish({ ...this.exit!, stderr: this.stderrText }); }, STDERR_GRACE_MS);
    });
    ch.once('close', () => {
      onClose();
      this.maybeFinish(true);
    });
    const stdoutGone = () => {
      // the consumer destroyed stdout before its end: the rest is discarded (so the channel can close), and a
      // remote writer still running gets SIGPIPE
      ch.unpipe(this.stdout);
      ch.resume();
      if (!this.done) ch.close();
    };
    if (this.stdout.destroyed) stdoutGone();
    else {
      ch.pipe(this.stdout);
      this.stdout.once('close', () => { if (!this.stdout.readableEnded) stdoutGone(); });
    }
    const stdin = this.stdin;
    if (stdin === null) {
      ch.end();
    } else if (stdin.destroyed) { // destroyed by its writer before the channel opened
      ch.end();
    } else {
      stdin.pipe(ch);
      stdin.once('close', () => {
        // destroyed by its writer before end(): send EOF so the remote reader ends
        if (!stdin.writableFinished) { stdin.unpipe(ch); ch.end(); }
      });
    }
  }

  /** The transport failed for this command (not started, or the connection was lost under it). */
  fail(err: SshError): void {
    if (this.done) return;
    this.stderrText += `${err.shortMessage}\n`;
    this.channel?.unpipe(this.stdout);
    this.stdout.end();
    this.finish({ code: null, signal: null, stderr: this.stderrText, connectionError: err });
  }

  private maybeFinish(closed = false): void {
    if (this.done) return;
    if (this.exit !== null && (this.stderrEnded || closed)) {
      this.finish({ ...this.exit, stderr: this.stderrText });
    } else if (closed) {
      if (this.killedWith !== null) this.finish({ code: null, signal: this.killedWith, stderr: this.stderrText });
      else {
        this.stderrText += 'ssh: the channel closed without an exit status\n';
        this.finish({ code: null, signal: null, stderr: this.stderrText });
      }
    }
  }

  private finish(r: SshExecResult): void {
    this.done = true;
    if (this.grace !== null) clearTimeout(this.grace);
    if (this.filter) { // an unfinished last line of what the filter reads
      const rest = this.filter.end();
      this.stderrText += rest;
      r = { ...r, stderr: r.stderr + rest };
    }
    // stdout is left to the channel's pipe: data may still sit in the channel, and the pipe ends stdout after it
    if (this.stdin !== null && !this.stdin.writableFinished) {
      this.channel !== null && this.stdin.unpipe(this.channel);
      this.stdin.destroy();
    }
    this.resolveExited(r);
  }
}

export class SshExecutor implements Executor {
  readonly host: string;
  private readonly target: SshTarget;
  private client: Promise<SshClient> | null = null;
  /** resolves when the current connection's socket has closed */
  private clientClosed: Promise<void> = Promise.resolve();
  /** sticky: set once connecting failed or the connection was lost */
  private failure: SshError | null = null;
  private slots = new ChannelSlots();
  private readonly running = new Set<SshProcess>();

  constructor(hostName: string, ssh: SshOptions, opts: SshExecutorOptions = {}) {
    this.host = hostName;
    this.target = { hostName, ssh, agent: opts.agent ?? process.env.SSH_AUTH_SOCK };
  }

  spawn(argv: string[], opts: ExecOptions = {}): SshExecProcess {
    const command = REMOTE_ENV + quoteCommand(argv);
    const size = Buffer.byteLength(command);
    if (size > MAX_REMOTE_COMMAND_BYTES) {
      throw new ZformError('internal', `a command for ${this.host} is ${size} bytes once quoted; the remote shell accepts at most ${MAX_REMOTE_COMMAND_BYTES} (split it into batches)`);
    }
    // a pipe between two processes exists only on one machine (transfer-direct.ts never asks this of SSH)
    if (typeof opts.stdin === 'object' || opts.stdout === 'direct') throw new TypeError('SshExecutor.spawn: no direct pipes over SSH');
    const proc = new SshProcess(opts.stdin === 'pipe', opts.stderrFilter);
    this.running.add(proc);
    void proc.exited.then(() => this.running.delete(proc));
    void this.start(proc, command);
    return proc;
  }

  async close(): Promise<void> {
    const pending = this.client;
    this.client = null;
    this.failure = null;
    const closed = new SshError('connection_lost', this.host, `${renderTarget(this.target)}: the connection was closed while the command ran`);
    this.slots.failAll(closed);
    this.slots = new ChannelSlots();
    for (const proc of this.running) proc.fail(closed);
    if (pending === null) return;
    let client: SshClient;
    try { client = await pending; } catch { return; }
    client.end();
    await this.clientClosed;
  }

  private connect(): Promise<SshClient> {
    if (this.client !== null) return this.client;
    const p = runSshConnect(this.target).then((client) => {
      this.watch(client, p);
      return client;
    }, (err: unknown) => {
      const failure = err instanceof SshError ? err : new SshError('protocol', this.host, `${renderTarget(this.target)}: ${String(err)}`, { cause: err });
      if (this.client === p) this.failure = failure; // not when close() came first
      throw failure;
    });
    this.client = p;
    return p;
  }

  /** After the connection is up: a loss fails everything running or waiting on it. */
  private watch(client: SshClient, p: Promise<SshClient>): void {
    let lastError: Error & { level?: string } | null = null;
    client.on('error', (err: Error & { level?: string }) => { lastError ??= err; });
    this.clientClosed = new Promise((resolve) => client.once('close', () => resolve()));
    client.once('close', () => {
      if (this.client !== p) return; // closed by close()
      const ka = this.target.ssh.keepaliveIntervalMs;
      const why = lastError === null ? 'the server closed the connection'
        : lastError.level === 'client-timeout' ? `no answer to ${KEEPALIVE_COUNT_MAX} keepalives sent every ${ka} ms`
          : lastError.message;
      const err = new SshError('connection_lost', this.host, `${renderTarget(this.target)}: connection lost: ${why}`, { cause: lastError ?? undefined });
      this.failure = err;
      this.slots.failAll(err);
      for (const proc of this.running) proc.fail(err);
    });
  }

  private async start(proc: SshProcess, command: string): Promise<void> {
    let refusals = 0;
    for (;;) {
      let client: SshClient;
      const slots = this.slots;
      try {
        if (this.failure !== null) throw this.failure;
        client = await this.connect();
        await slots.acquire();
      } catch (err) {
        proc.fail(err as SshError);
        return;
      }
      if (proc.finished) { slots.release(); return; } // killed while waiting
      // attach in the callback itself: the exit status and the close may be in the same packet batch as the reply
      const opened = await new Promise<ClientChannel | Error>((resolve) => {
        try {
          client.exec(command, (err, ch) => {
            if (!err) proc.attach(ch, () => slots.release());
            resolve(err ?? ch);
          });
        } catch (err) {
          resolve(err as Error);
        }
      });
      if (!(opened instanceof Error)) return;
      const isOpenFailure = 'reason' in opened;
      if (isOpenFailure && slots.refused()) continue; // the server's MaxSessions: wait for a free channel
      if (!isOpenFailure) slots.release();
      if (isOpenFailure && refusals++ < LONE_REFUSAL_RETRIES) {
        await new Promise((r) => setTimeout(r, 50 * refusals));
        continue;
      }
      const failure = this.failure ?? new SshError('channel', this.host, `${renderTarget(this.target)}: cannot run a command: ${opened.message}`, { cause: opened });
      proc.fail(failure);
      return;
    }
  }
}
