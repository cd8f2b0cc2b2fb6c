// Pipes a running `zfs send` into a running `zfs receive` (any hosts): backpressure, constant memory, a byte
// counter, an optional bandwidth limit, an optional buffer (send.buffer, bounded); when one side fails the other is
// stopped and the error names both. A compressed stream (wire.ts) is counted as it passes (bytes on the wire); the
// stream's own count then comes from the sender's `zfs send -v -P` (StreamCount).
import { PassThrough, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BandwidthLimit } from './options.js';
import type { ZfsProcess } from './types.js';
import { STREAM_HIGH_WATER_MARK } from './exec.js';
import { ZfsError, computeErrorLines, computeVerb } from './errors.js';
import { createRateLimitTransform, type RateLimitOptions } from './ratelimit.js';

export type TransferSide = 'send' | 'receive' | 'aborted' | 'pipe';

export interface TransferOptions {
  bandwidth?: BandwidthLimit;
  /** memory zform may fill between sender and receiver (after the bandwidth limit): a momentarily slow receiver does
   *  not stall the sender until this much is waiting, nor a slow sender the receiver while it drains */
  bufferBytes?: number;
  /** called with the running total of bytes of the stream; and, for a compressed transfer, of bytes on the wire
   *  (what went into the receiver's stdin) */
  onProgress?(bytes: number, wireBytes?: number): void;
  signal?: AbortSignal;
  /** clock and sleep of the bandwidth limiter, for tests */
  limiter?: RateLimitOptions;
  /** how long a receiver may take to end after its sender failed before it is killed (default 10 s) */
  receiverGraceMs?: number;
}

/** A failed transfer: `side` says which side failed first; the message carries both sides' stderr. A receive
 *  that fails after the sender finished, or a sender stopped by the receiver's failure, is the receiver's failure. */
export class TransferError extends ZfsError {
  readonly side: TransferSide;
  readonly sendError: ZfsError | null;
  readonly receiveError: ZfsError | null;
  readonly sendStderr: string;
  readonly receiveStderr: string;
  /** bytes that went through before it failed */
  readonly bytes: number;
  constructor(o: {
    side: TransferSide; sendError: ZfsError | null; receiveError: ZfsError | null;
    sendStderr: string; receiveStderr: string; bytes: number; cause?: unknown;
  }) {
    const blamed = o.side === 'send' ? o.sendError : o.side === 'receive' ? o.receiveError : null;
    const any = blamed ?? o.receiveError ?? o.sendError;
    const short = o.side === 'aborted' ? `transfer aborted after ${o.bytes} bytes`
      : blamed ? blamed.shortMessage
        : `transfer failed after ${o.bytes} bytes: ${o.cause instanceof Error ? o.cause.message : String(o.cause)}`;
    const label = (e: ZfsError | null, fallback: string) => (e ? `${computeVerb(e.argv)} on ${e.host}` : fallback);
    const block = (title: string, text: string) => {
      const ls = computeErrorLines(text);
      return [`${title} stderr:${ls.length === 0 ? ' (empty)' : ''}`, ...ls.map((l) => `  ${l}`)];
    };
    const first = o.side === 'send' ? 'the sending side failed first; the receiving side got the end of the stream'
      : o.side === 'receive' ? 'the receiving side failed first; the sending side was stopped'
        : o.side === 'aborted' ? 'the transfer was aborted; both sides were stopped'
          : 'the pipe between the two sides failed; both sides were stopped';
    const details = [first, ...block(label(o.sendError, 'zfs send'), o.sendStderr), ...block(label(o.receiveError, 'zfs receive'), o.receiveStderr)];
    super({
      host: any?.host ?? '?',
      argv: any?.argv ?? [],
      stderr: blamed?.stderr ?? '',
      exitCode: blamed?.exitCode ?? null,
      signal: blamed?.signal ?? null,
      code: blamed?.code ?? 'unknown',
      shortMessage: short,
      details,
      cause: o.cause ?? blamed ?? undefined,
    });
    this.name = 'TransferError';
    this.side = o.side;
    this.sendError = o.sendError;
    this.receiveError = o.receiveError;
    this.sendStderr = o.sendStderr;
    this.receiveStderr = o.receiveStderr;
    this.bytes = o.bytes;
  }
}

interface Outcome { err: ZfsError | null; order: number }

/** What runTransfer stops the other side with (an external kill by another signal is not ours). */
const KILL_SIGNAL = 'SIGTERM';
/** How long a receiver whose sender failed may take to end on its own before it is killed. */
const RECEIVER_GRACE_MS = 10_000;
/** How long the pipe may take to settle once both processes have ended. */
const PIPE_GRACE_MS = 1000;

/** Whether a failure is only the consequence of the other side's (killed by us, broken pipe, truncated stream). */
export function computeConsequential(side: 'send' | 'receive', err: ZfsError, killedByUs: boolean): boolean {
  // zfs interrupted in its ioctl prints "signal received" and exits 1 instead of dying by the signal
  if (killedByUs && (err.signal === KILL_SIGNAL || /signal received/.test(err.stderr))) return true;
  // a writer whose reader went away: SIGPIPE, EPIPE/ECONNRESET (node's child stdio are socket pairs), or
  // OpenZFS's `warning: cannot send 'p/a@s': signal received` (the SIGPIPE interrupted the send ioctl)
  // (over SSH the remote shell reports a SIGPIPE death as exit status 141 = 128 + 13, with nothing on stderr)
  if (side === 'send') return err.signal === 'SIGPIPE' || (err.exitCode === 141 && err.stderr.trim() === '') || /broken pipe|connection reset by peer|EPIPE|ECONNRESET|signal received/i.test(err.stderr);
  return err.code === 'stream_read_failure';
}

/** Which side a transfer's failure is blamed on (null = it did not fail). */
export function computeBlame(
  send: Outcome & { killedByUs: boolean },
  recv: Outcome & { killedByUs: boolean },
): 'send' | 'receive' | null {
  if (!send.err && !recv.err) return null;
  if (!send.err) return 'receive';
  // The receiver ended well and the sender then died of the closed pipe: zfs receive stops reading once it has what
  // it needs (an -I stream whose last snapshots the target already has), so this is no failure. Apply still confirms
  // the target's GUID before anything builds on it.
  if (!recv.err && computeConsequential('send', send.err, send.killedByUs)) return null;
  if (!recv.err) return 'send';
  const sc = computeConsequential('send', send.err, send.killedByUs);
  const rc = computeConsequential('receive', recv.err, recv.killedByUs);
  if (sc && !rc) return 'receive';
  if (rc && !sc) return 'send';
  return send.order <= recv.order ? 'send' : 'receive';
}

/** What joins the two sides: node's pipeline, or (direct) a pipe between the two processes that we only watch. */
interface Link {
  /** resolves once the link has ended: null, or the error that broke it */
  readonly ended: Promise<unknown>;
  /** both processes have ended but the link has not: end it (a lost connection must not hang us) */
  destroy(): void;
  /** bytes so far */
  bytes(): number;
  /** bytes of a transfer that succeeded */
  finalBytes(): number;
  /** whether the sender's whole output has been read (it is only left to exit); unknown (direct) = false */
  senderDelivered?(): boolean;
}

/** Streams send's stdout into recv's stdin until both end. Resolves with the byte count; rejects with a TransferError.
 *  A failed receiver gets the sender killed at once, unless the sender has delivered its whole stream (it is then
 *  left to exit). A failed sender closes the receiver's stdin, so the receiver ends on its own (saving resumable state
 *  for everything it got, with -s); it is killed only if it has not ended within `receiverGraceMs`. An abort kills
 *  both. */
export async function runTransfer(
  send: ZfsProcess, recv: ZfsProcess, opts: TransferOptions = {}, stream?: StreamCount,
): Promise<{ bytes: number; wireBytes?: number }> {
  const stdin = recv.stdin;
  if (!stdin) throw new TypeError('runTransfer: the receiving process has no stdin');
  let wire = 0;
  const r = await superviseTransfer(send, recv, opts, () => {
    let bytes = 0;
    const report = () => { if (stream) opts.onProgress?.(stream.bytes, bytes); else opts.onProgress?.(bytes); };
    const counter = new Transform({
      highWaterMark: STREAM_HIGH_WATER_MARK,
      transform(chunk: Buffer, _enc, cb: TransformCallback) {
        bytes += chunk.length;
        try { report(); } catch (err) { cb(err as Error); return; }
        cb(null, chunk);
      },
    });
    const stages: (NodeJS.ReadableStream | NodeJS.WritableStream | Transform)[] = [send.stdout, counter];
    if (opts.bandwidth) stages.push(createRateLimitTransform(opts.bandwidth, opts.limiter));
    if (opts.bufferBytes !== undefined && opts.bufferBytes > 0) stages.push(createBufferStage(opts.bufferBytes));
    stages.push(stdin);
    let delivered = false;
    send.stdout.once('end', () => { delivered = true; });
    const ended = (pipeline as (...s: unknown[]) => Promise<void>)(...stages).then(() => null, (err: unknown) => err);
    return {
      ended,
      senderDelivered: () => delivered,
      destroy: () => { for (const st of stages) (st as { destroy?: () => void }).destroy?.(); },
      bytes: () => bytes,
      finalBytes: () => {
        wire = bytes;
        if (!stream) return bytes;
        // the stream's own count: its last second is never printed (send-progress.ts), so report the final figure
        const n = stream.finalBytes;
        try { opts.onProgress?.(n, bytes); } catch { /* the transfer is done */ }
        return n;
      },
    };
  });
  return stream ? { bytes: r.bytes, wireBytes: wire } : r;
}

/** The count of a stream that does not pass through zform as it is (compressed: send-progress.ts). */
export interface StreamCount {
  readonly bytes: number;
  readonly finalBytes: number;
}

/** A stage that accepts up to `size` bytes ahead of its reader (memory stays bounded by it and one stream buffer). */
export function createBufferStage(size: number): PassThrough {
  return new PassThrough({ writableHighWaterMark: size, readableHighWaterMark: STREAM_HIGH_WATER_MARK });
}

/** The byte count of a direct transfer, read from the sender's stderr (send-progress.ts). */
export interface DirectProgress {
  readonly bytes: number;
  readonly finalBytes: number;
  /** called with the running count as the sender reports it */
  onBytes?: (bytes: number) => void;
}

/** Watches a send whose stdout is the receiver's stdin (transfer-direct.ts): the same failures, blame, kills and
 *  abort as runTransfer, with the count from `progress`. An error of onProgress stops both sides. No bandwidth limit
 *  (nothing here could apply it). */
export async function runDirectTransfer(
  send: ZfsProcess, recv: ZfsProcess, progress: DirectProgress, opts: Omit<TransferOptions, 'bandwidth' | 'limiter'> = {},
): Promise<{ bytes: number }> {
  return superviseTransfer(send, recv, opts, (stopBoth) => {
    let fail: (err: unknown) => void = () => {};
    let broken = false;
    const ended = new Promise<unknown>((resolve) => { fail = resolve; });
    progress.onBytes = (b) => {
      if (broken) return;
      try { opts.onProgress?.(b); } catch (err) { broken = true; fail(err); stopBoth(); }
    };
    return {
      ended,
      // nothing of ours sits between the two: once both have ended, so has the pipe
      destroy: () => {},
      bytes: () => progress.bytes,
      finalBytes: () => {
        // the count of the last second is never printed: report the final figure as the last progress, as
        // zform's pipeline does with its last chunk
        const n = progress.finalBytes;
        if (n > progress.bytes && !broken) { try { opts.onProgress?.(n); } catch { /* the transfer is done */ } }
        return n;
      },
      settleWithProcesses: () => fail(null),
    };
  });
}

async function superviseTransfer(
  send: ZfsProcess, recv: ZfsProcess, opts: Omit<TransferOptions, 'bandwidth' | 'limiter'>,
  makeLink: (stopBoth: () => void) => Link & { settleWithProcesses?: () => void },
): Promise<{ bytes: number }> {
  let seq = 0;
  let aborted = false;
  let killedSend = false;
  let killedRecv = false;
  const timers: NodeJS.Timeout[] = [];
  const killSend = () => { if (!killedSend) { killedSend = true; send.kill(KILL_SIGNAL); } };
  const killRecv = () => { if (!killedRecv) { killedRecv = true; recv.kill(KILL_SIGNAL); } };

  const link = makeLink(() => { killSend(); killRecv(); });

  const onAbort = () => { aborted = true; killSend(); killRecv(); };
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });

  const sendP = send.done.then(
    (): Outcome => ({ err: null, order: ++seq }),
    (err: unknown): Outcome => {
      timers.push(setTimeout(killRecv, opts.receiverGraceMs ?? RECEIVER_GRACE_MS));
      return { err: asZfsError(err, 'send'), order: ++seq };
    },
  );
  const recvP = recv.done.then(
    (): Outcome => ({ err: null, order: ++seq }),
    (err: unknown): Outcome => {
      // a sender that has delivered its whole stream is only left to exit: it is not stopped (its own outcome is
      // reported as it is), unless it does not exit within the grace
      if (link.senderDelivered?.()) timers.push(setTimeout(killSend, PIPE_GRACE_MS));
      else killSend();
      return { err: asZfsError(err, 'receive'), order: ++seq };
    },
  );
  let pipeSettled = false;
  const pipeP = link.ended.finally(() => { pipeSettled = true; });
  const [s, r] = await Promise.all([sendP, recvP]);
  link.settleWithProcesses?.();
  // both processes are gone: a pipe end that never closes (a lost connection) must not hang us
  if (!pipeSettled) timers.push(setTimeout(() => link.destroy(), PIPE_GRACE_MS));
  const pipeErr = await pipeP;
  for (const t of timers) clearTimeout(t);
  opts.signal?.removeEventListener('abort', onAbort);

  const sendStderr = send.stderr();
  const receiveStderr = recv.stderr();
  const base = { sendError: s.err, receiveError: r.err, sendStderr, receiveStderr, bytes: link.bytes() };
  if (aborted && (s.err || r.err || pipeErr)) throw new TransferError({ side: 'aborted', ...base, cause: opts.signal?.reason });
  // an error of our own stages (not a closed pipe end) comes first: it is what stopped both sides
  if (pipeErr && !computeIsPipeEndError(pipeErr)) throw new TransferError({ side: 'pipe', ...base, cause: pipeErr });
  const blame = computeBlame({ ...s, killedByUs: killedSend }, { ...r, killedByUs: killedRecv });
  if (blame) throw new TransferError({ side: blame, ...base });
  // no blame means the receiver ended well: a closed pipe end left here is only it having stopped reading once it had
  // everything (see computeBlame)
  return { bytes: link.finalBytes() };
}

/** Errors a pipe end raises when the process on the other end went away. */
export function computeIsPipeEndError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && ['EPIPE', 'ECONNRESET', 'ERR_STREAM_PREMATURE_CLOSE', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END'].includes(code);
}

function asZfsError(err: unknown, side: 'send' | 'receive'): ZfsError {
  if (err instanceof ZfsError) return err;
  return new ZfsError({ host: '?', argv: ['zfs', side], stderr: String(err), exitCode: null, cause: err });
}
