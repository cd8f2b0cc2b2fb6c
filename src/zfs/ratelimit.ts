// A token-bucket bandwidth limit: pure arithmetic (TokenBucket) and a stream Transform that applies it.
import { Transform, type TransformCallback } from 'node:stream';
import type { BandwidthLimit } from './options.js';
import { monotonicMs } from '../clock.js';

/** Tokens are bytes; the bucket refills at maxBytesPerSecond up to bucketCapacityBytes and may go into debt:
 *  `take(n)` always succeeds and says how long to wait before the n bytes may go on. */
export class TokenBucket {
  readonly rate: number;
  readonly capacity: number;
  private tokens: number;
  private last: number;
  /** now: a clock in milliseconds */
  constructor(limit: BandwidthLimit, private readonly now: () => number) {
    if (!(limit.maxBytesPerSecond > 0) || !(limit.bucketCapacityBytes > 0)) throw new RangeError('bandwidth limit and bucket capacity must be > 0');
    this.rate = limit.maxBytesPerSecond;
    this.capacity = limit.bucketCapacityBytes;
    this.tokens = this.capacity;
    this.last = now();
  }

  /** Tokens available now (negative = debt). */
  available(): number {
    this.refill();
    return this.tokens;
  }

  /** Takes n tokens; returns the milliseconds to wait until the debt (if any) is paid. */
  take(n: number): number {
    this.refill();
    this.tokens -= n;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.rate) * 1000;
  }

  private refill(): void {
    const t = this.now();
    const elapsed = Math.max(0, t - this.last);
    this.last = t;
    this.tokens = Math.min(this.capacity, this.tokens + (elapsed / 1000) * this.rate);
  }
}

/** Pieces of at most `max` bytes (a chunk larger than the bucket goes on in bucket-sized steps). */
export function computePieces(chunk: Buffer, max: number): Buffer[] {
  if (chunk.length <= max) return [chunk];
  const out: Buffer[] = [];
  for (let i = 0; i < chunk.length; i += max) out.push(chunk.subarray(i, Math.min(chunk.length, i + max)));
  return out;
}

export interface RateLimitOptions {
  /** a bucket shared by several streams (a job's limit shared by its concurrent transfers); else one of its own */
  bucket?: TokenBucket;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A pass-through Transform that delays data to stay within the limit (backpressure flows through it). */
export function createRateLimitTransform(limit: BandwidthLimit, opts: RateLimitOptions = {}): Transform {
  const bucket = opts.bucket ?? new TokenBucket(limit, opts.now ?? monotonicMs);
  const sleep = opts.sleep ?? defaultSleep;
  const max = Math.max(1, Math.floor(Math.min(bucket.capacity, 1 << 20)));
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      const pieces = computePieces(chunk, max);
      let i = 0;
      const next = (): void => {
        while (!this.destroyed && i < pieces.length) {
          const piece = pieces[i++]!;
          const wait = bucket.take(piece.length);
          if (wait > 0) {
            sleep(wait).then(() => { if (!this.destroyed) { this.push(piece); next(); } }, cb);
            return;
          }
          this.push(piece);
        }
        if (!this.destroyed) cb();
      };
      next();
    },
  });
}
