// The fake's running processes: `zfs send` writing a fake stream to stdout, `zfs receive` applying one from stdin.
import { Readable, Writable } from 'node:stream';
import type { ZfsProcess } from './types.js';
import type { StderrFilter } from './exec.js';
import type { ZfsError } from './errors.js';
import { FakeFailure, type FakePending, type FakeState } from './fake-state.js';
import { FakeStreamFormatError, FakeStreamParser, computePayloadChunks, renderStreamHeader, type FakeStreamHeader } from './fake-stream.js';

/** How a fake process ends: its ZfsError, and the command report (observer, counters). */
export interface FakeProcessContext {
  error(r: { stderr: string; code: number | null; signal: string | null }): ZfsError;
  report(code: number | null, stderr: string): void;
}

abstract class FakeProcessBase {
  readonly done: Promise<void>;
  protected err = '';
  protected settled = false;
  private resolveDone!: () => void;
  private rejectDone!: (e: ZfsError) => void;

  constructor(protected readonly ctx: FakeProcessContext) {
    this.done = new Promise<void>((resolve, reject) => { this.resolveDone = resolve; this.rejectDone = reject; });
    this.done.catch(() => {}); // callers may await it later; never an unhandled rejection
  }

  stderr(): string {
    return this.err;
  }

  protected finish(code: number | null, signal: string | null): void {
    if (this.settled) return;
    this.settled = true;
    this.ctx.report(code, this.err);
    if (code === 0) this.resolveDone();
    else this.rejectDone(this.ctx.error({ stderr: this.err, code, signal }));
  }
}

function* streamChunks(headers: FakeStreamHeader[]): Generator<Buffer> {
  for (const h of headers) {
    yield renderStreamHeader(h);
    yield* computePayloadChunks(h.size - h.offset);
  }
}

/** `zfs send`: the headers were computed (and validated) when it started; a failure ends it with no output. */
export class FakeSendProcess extends FakeProcessBase implements ZfsProcess {
  readonly stdin = null;
  readonly stdout: Readable;

  /** progress: with a compressed send (wire.ts), reads what `zfs send -v -P` prints: here a running count per chunk */
  constructor(plan: FakeStreamHeader[] | FakeFailure, ctx: FakeProcessContext, progress?: StderrFilter) {
    super(ctx);
    const chunks = plan instanceof FakeFailure ? null : streamChunks(plan);
    let sent = 0;
    this.stdout = new Readable({
      read: () => {
        if (!chunks) return;
        for (let r = chunks.next(); !r.done; r = chunks.next()) {
          sent += r.value.length;
          progress?.write(`00:00:01\t${sent}\tfake\n`);
          if (!this.stdout.push(r.value)) return;
        }
        this.stdout.push(null);
      },
    });
    this.stdout.once('end', () => this.finish(0, null));
    // the reader went away before the end: a real `zfs send` dies of SIGPIPE
    this.stdout.once('close', () => this.finish(null, 'SIGPIPE'));
    if (plan instanceof FakeFailure) {
      setImmediate(() => {
        this.err = plan.stderr + (plan.stderr.endsWith('\n') ? '' : '\n');
        this.finish(plan.exitCode, null);
        this.stdout.push(null);
      });
    }
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.settled) return;
    this.finish(null, signal);
    this.stdout.destroy();
  }
}

/** `zfs receive`: applies each substream when its payload is complete; a stream cut mid-way is an interrupted
 *  receive (with -s the partial state stays, with a token). */
export class FakeReceiveProcess extends FakeProcessBase implements ZfsProcess {
  readonly stdin: Writable;
  readonly stdout: Readable = Readable.from([]);
  private readonly parser: FakeStreamParser;
  private pending: FakePending | null = null;

  constructor(
    private readonly state: FakeState,
    private readonly args: { dataset: string; resumable: boolean; force: boolean; override: Record<string, string> },
    ctx: FakeProcessContext,
    injected?: FakeFailure,
  ) {
    super(ctx);
    this.parser = new FakeStreamParser({
      header: (h) => { this.pending = state.beginReceive(args.dataset, h, { force: args.force, override: args.override }); },
      complete: () => { const p = this.pending!; this.pending = null; state.commitReceive(p); },
    });
    this.stdin = new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        if (!this.settled) {
          try { this.parser.feed(chunk); } catch (e) { this.failWith(e); }
        }
        cb();
      },
      final: (cb) => { this.onEof(); cb(); },
    });
    this.stdin.on('error', () => {}); // as LocalExecutor: a write to a process that has gone shows in `done`
    this.stdin.once('close', () => this.onEof()); // destroyed by the writer: the process reads EOF
    if (injected) this.failWith(injected); // exits at once, before it reads anything
  }

  private failWith(e: unknown): void {
    if (this.settled) return;
    if (e instanceof FakeFailure) this.fail(e.stderr, e.exitCode);
    else if (e instanceof FakeStreamFormatError) this.fail(`cannot receive: ${e.message}`, 1);
    else throw e;
    // the process has exited: further writes fail as on a closed pipe
    setImmediate(() => this.stdin.destroy(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })));
  }

  private fail(stderr: string, code: number): void {
    this.err += stderr + (stderr.endsWith('\n') ? '' : '\n');
    this.finish(code, null);
  }

  private onEof(): void {
    if (this.settled) return;
    const pos = this.parser.position();
    const p = this.pending;
    if (p) {
      this.pending = null;
      const token = this.state.interruptReceive(p, pos.received, this.args.resumable);
      const what = p.mode === 'resume' ? 'resume' : p.header.kind === 'full' ? 'new filesystem' : 'incremental';
      this.fail(token === null
        ? `cannot receive ${what} stream: incomplete stream`
        : `cannot receive ${what} stream: checksum mismatch or incomplete stream.\nPartially received snapshot is saved.\n`
          + `A resuming stream can be generated on the sending system by running:\n    zfs send -t ${token}`, 1);
      return;
    }
    if (pos.substreams === 0 || pos.partialHeader) {
      this.fail('cannot receive: failed to read from stream', 1);
      return;
    }
    this.finish(0, null);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.settled) return;
    const p = this.pending;
    this.pending = null;
    if (p) this.state.interruptReceive(p, this.parser.position().received, this.args.resumable);
    this.finish(null, signal);
    this.stdin.destroy();
  }
}
