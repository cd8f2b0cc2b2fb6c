// The fake executor's processes: a command that answers at once, `zfs send` writing a fake stream to stdout,
// `zfs receive` applying one from stdin, a command that reads its stdin first (`zfs program`), and a frozen one.
import { PassThrough, Readable, Writable } from 'node:stream';
import type { ExecProcess, ExecResult, StderrFilter } from '../../../src/zfs/exec.js';
import { FakeFailure, type FakePending, type FakeState } from './state.js';
import { FakeStreamFormatError, FakeStreamParser, computePayloadChunks, renderStreamHeader, type FakeStreamHeader } from './stream.js';
import type { CrashSwitch, CrashVictim } from './crash.js';

/** What a command printed and how it exited. */
export interface Reply {
  stdout?: string;
  stderr?: string;
  code?: number;
}

/** Runs a command's effect: its reply, a FakeFailure's stderr and exit code turned into one. */
export function computeReply(fn: () => Reply | string | void): Reply {
  try {
    const r = fn();
    return typeof r === 'string' ? { stdout: r } : r ?? {};
  } catch (e) {
    if (e instanceof FakeFailure) return { stderr: e.stderr.endsWith('\n') ? e.stderr : e.stderr + '\n', code: e.exitCode };
    throw e;
  }
}

/** The crash switch and this command's index in it (null: no switch). */
export interface CrashSlot {
  sw: CrashSwitch;
  k: number;
}

abstract class FakeProcess implements ExecProcess {
  abstract readonly stdin: Writable | null;
  abstract readonly stdout: Readable;
  readonly exited: Promise<ExecResult>;
  protected err = '';
  protected settled = false;
  private resolveExit!: (r: ExecResult) => void;

  constructor(protected readonly crash: CrashSlot | null) {
    this.exited = new Promise((resolve) => { this.resolveExit = resolve; });
  }

  stderr(): string {
    return this.err;
  }

  /** The process ended: zform sees it, unless zform died at this boundary (then it never returns). */
  protected finish(code: number | null, signal: string | null): void {
    if (this.settled) return;
    this.settled = true;
    if (this.crash && this.crash.sw.after(this.crash.k)) return;
    this.resolveExit({ code, signal, stderr: this.err });
  }

  abstract kill(signal?: NodeJS.Signals): void;
}

/** A command whose effects are done when it starts: it prints its reply and exits. */
export class FakeDoneProcess extends FakeProcess {
  readonly stdin: Writable | null;
  readonly stdout: Readable;

  constructor(reply: Reply, crash: CrashSlot | null, stdin: boolean) {
    super(crash);
    this.stdin = stdin ? new PassThrough().resume() : null;
    this.stdout = Readable.from(reply.stdout ? [Buffer.from(reply.stdout)] : []);
    this.err = reply.stderr ?? '';
    this.finish(reply.code ?? 0, null);
  }

  kill(): void {}
}

/** A command that reads all of its stdin, then runs (`zfs program ... -`). */
export class FakeStdinProcess extends FakeProcess {
  readonly stdin: Writable;
  readonly stdout = new PassThrough();

  constructor(run: (input: string) => Reply, crash: CrashSlot | null) {
    super(crash);
    let input = '';
    this.stdin = new Writable({
      write: (chunk: Buffer, _enc, cb) => { input += chunk.toString('utf8'); cb(); },
      final: (cb) => {
        cb();
        if (this.settled || this.crash?.sw.dead) return;
        const r = run(input);
        this.err = r.stderr ?? '';
        this.stdout.end(r.stdout ?? '');
        this.finish(r.code ?? 0, null);
      },
    });
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.stdout.end();
    this.finish(null, signal);
  }
}

/** After zform died: a command that never starts and never ends. */
export class FakeFrozenProcess implements ExecProcess {
  readonly stdin = new PassThrough().resume();
  readonly stdout = new PassThrough();
  readonly exited = new Promise<ExecResult>(() => {});
  stderr(): string { return ''; }
  kill(): void {}
}

function* streamChunks(headers: FakeStreamHeader[]): Generator<Buffer> {
  for (const h of headers) {
    yield renderStreamHeader(h);
    yield* computePayloadChunks(h.size - h.offset);
  }
}

/** `zfs send`: the headers were computed (and validated) when it started; a failure ends it with no output. */
export class FakeSendProcess extends FakeProcess implements CrashVictim {
  readonly stdin = null;
  readonly stdout: Readable;

  /** progress: `zfs send -v -P`'s stderr goes through it: here a running count per chunk */
  constructor(plan: FakeStreamHeader[] | Reply, crash: CrashSlot | null, progress?: StderrFilter) {
    super(crash);
    const chunks = Array.isArray(plan) ? streamChunks(plan) : null;
    let sent = 0;
    this.stdout = new Readable({
      read: () => {
        if (!chunks || this.crash?.sw.dead) return;
        for (let r = chunks.next(); !r.done; r = chunks.next()) {
          sent += r.value.length;
          if (progress) this.err += progress.write(`00:00:01\t${sent}\tfake\n`);
          if (!this.stdout.push(r.value)) return;
        }
        this.stdout.push(null);
      },
    });
    crash?.sw.watch(this);
    this.stdout.once('end', () => { crash?.sw.unwatch(this); this.finish(0, null); });
    // the reader went away before the end: a real `zfs send` dies of SIGPIPE
    this.stdout.once('close', () => this.finish(null, 'SIGPIPE'));
    if (!Array.isArray(plan)) {
      setImmediate(() => {
        this.err = plan.stderr ?? '';
        this.finish(plan.code ?? 1, null);
        this.stdout.push(null);
      });
    }
  }

  crashStop(): void {
    this.settled = true;
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.settled) return;
    this.finish(null, signal);
    this.stdout.destroy();
  }
}

export interface ReceiveOptions {
  dataset: string;
  resumable: boolean;
  force: boolean;
  override: Record<string, string>;
  /** -o origin=SNAPSHOT */
  origin?: string;
}

/** `zfs receive`: applies each substream when its payload is complete; a stream cut mid-way is an interrupted
 *  receive (with -s the partial state stays, with a token). */
export class FakeReceiveProcess extends FakeProcess implements CrashVictim {
  readonly stdin: Writable;
  readonly stdout: Readable = Readable.from([]);
  private readonly parser: FakeStreamParser;
  private pending: FakePending | null = null;

  constructor(private readonly state: FakeState, private readonly args: ReceiveOptions, crash: CrashSlot | null, injected?: Reply) {
    super(crash);
    // -o origin= makes the first substream's new dataset a clone; those after it (-I) are plain incrementals into it
    let origin = args.origin;
    this.parser = new FakeStreamParser({
      header: (h) => {
        if (crash) crash.sw.noteSubstream(crash.k, h.size - h.offset);
        this.pending = state.beginReceive(args.dataset, h, { force: args.force, override: args.override, origin });
        origin = undefined;
      },
      complete: () => { const p = this.pending!; this.pending = null; state.commitReceive(p); },
    });
    const mid = crash ? crash.sw.midSubstream(crash.k) : null;
    this.stdin = new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        if (!this.settled) {
          try { this.feed(chunk, mid); } catch (e) { this.failWith(e); }
        }
        cb();
      },
      final: (cb) => { this.onEof(); cb(); },
    });
    this.stdin.on('error', () => {}); // as LocalExecutor: a write to a process that has gone shows in `exited`
    this.stdin.once('close', () => this.onEof()); // destroyed by the writer: the process reads EOF
    crash?.sw.watch(this);
    if (injected) this.fail(injected.stderr ?? '', injected.code ?? 1); // exits at once, before it reads anything
  }

  /** Feeds a chunk; when this run's crash is in the middle of substream `mid`, feeds up to there and kills zform. */
  private feed(chunk: Buffer, mid: number | null): void {
    if (mid === null) { this.parser.feed(chunk); return; }
    const step = 1024;
    for (let i = 0; i < chunk.length && !this.settled; i += step) {
      this.parser.feed(chunk.subarray(i, i + step));
      const pos = this.parser.position();
      if (pos.current && pos.substreams - 1 === mid && pos.received * 2 >= pos.current.size - pos.current.offset) {
        this.crash!.sw.kill();
        return;
      }
    }
  }

  private failWith(e: unknown): void {
    if (this.settled) return;
    if (e instanceof FakeFailure) this.fail(e.stderr, e.exitCode);
    else if (e instanceof FakeStreamFormatError) this.fail(`cannot receive: ${e.message}`, 1);
    else throw e;
  }

  private fail(stderr: string, code: number): void {
    this.err += stderr + (stderr.endsWith('\n') ? '' : '\n');
    this.end(code, null);
    // the process has exited: further writes fail as on a closed pipe
    setImmediate(() => this.stdin.destroy(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })));
  }

  private end(code: number | null, signal: string | null): void {
    this.crash?.sw.unwatch(this);
    this.finish(code, signal);
  }

  /** EOF on stdin: a substream cut mid-way is an interrupted receive. */
  private interrupt(): string | null | undefined {
    const p = this.pending;
    if (!p) return undefined;
    this.pending = null;
    return this.state.interruptReceive(p, this.parser.position().received, this.args.resumable);
  }

  private onEof(): void {
    if (this.settled) return;
    const p = this.pending;
    if (p) {
      const token = this.interrupt();
      // a clone's stream from its origin makes a new filesystem too
      const what = p.mode === 'resume' ? 'resume' : p.header.kind === 'full' || p.mode === 'new' ? 'new filesystem' : 'incremental';
      this.err += (token === null || token === undefined
        ? `cannot receive ${what} stream: incomplete stream`
        : `cannot receive ${what} stream: checksum mismatch or incomplete stream.\nPartially received snapshot is saved.\n`
          + `A resuming stream can be generated on the sending system by running:\n    zfs send -t ${token}`) + '\n';
      this.end(1, null);
      return;
    }
    const pos = this.parser.position();
    if (pos.substreams === 0 || pos.partialHeader) {
      this.err += 'cannot receive: failed to read from stream\n';
      this.end(1, null);
      return;
    }
    this.end(0, null);
  }

  /** zform was killed: the pipe to this receive closes, so it reads EOF mid-stream (nobody sees how it ends). */
  crashStop(): void {
    if (this.settled) return;
    this.settled = true;
    this.interrupt();
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.settled) return;
    this.interrupt();
    this.end(null, signal);
    this.stdin.destroy();
  }
}
