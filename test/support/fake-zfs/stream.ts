// The fake's send stream (a header line per snapshot, then payload bytes) and resume tokens: encode, parse, decode.
import { createHash } from 'node:crypto';
import type { Guid } from '../../../src/zfs/types.js';

/** One snapshot's part of a stream (`zfs send -I` sends one per snapshot). */
export interface FakeStreamHeader {
  kind: 'full' | 'incremental';
  /** the sender's full snapshot name, fs@snap */
  toname: string;
  toguid: Guid;
  /** incremental only */
  fromguid?: Guid;
  /** a clone's first substream sent from its origin (`-i ORIGIN clone@snap`; OpenZFS's DRR_FLAG_CLONE): a receive
   *  into a missing dataset makes it a clone of the target's snapshot with GUID fromguid */
  clone?: boolean;
  /** payload bytes of the whole snapshot's stream */
  size: number;
  /** payload bytes already delivered by an interrupted receive (resume streams start there) */
  offset: number;
  resume: boolean;
  /** unix seconds of the sender's snapshot (a received snapshot keeps it) */
  creation: number;
  /** bytes the snapshot references (what a full receive's dataset holds) */
  referenced: number;
  type: 'filesystem' | 'volume';
  raw: boolean;
  compressed: boolean;
  embedded: boolean;
  largeBlocks: boolean;
  /** cipher of a raw stream of an encrypted dataset, else "off" */
  encryption: string;
}

export const FAKE_STREAM_MAGIC = 'ZFAKESTREAM1 ';
const MAX_HEADER_BYTES = 64 * 1024;
const PAYLOAD_CHUNK = 64 * 1024;
const PAYLOAD = Buffer.alloc(PAYLOAD_CHUNK, 0x5a);

/** The header line of one substream. */
export function renderStreamHeader(h: FakeStreamHeader): Buffer {
  return Buffer.from(FAKE_STREAM_MAGIC + JSON.stringify(h) + '\n', 'utf8');
}

/** Payload bytes (a fixed pattern) in chunks of at most 64 KiB. */
export function* computePayloadChunks(bytes: number): Generator<Buffer> {
  let left = bytes;
  while (left > 0) {
    const n = Math.min(left, PAYLOAD_CHUNK);
    yield PAYLOAD.subarray(0, n);
    left -= n;
  }
}

/** A stream that is not a fake stream (bad magic, broken header). */
export class FakeStreamFormatError extends Error {}

export interface StreamParserEvents {
  /** a substream's header arrived; throwing here fails the receive */
  header(h: FakeStreamHeader): void;
  /** its payload is complete */
  complete(h: FakeStreamHeader): void;
}

/** Incremental parser of a fake stream, fed chunk by chunk as a receiver's stdin gets them. */
export class FakeStreamParser {
  private pending: Buffer = Buffer.alloc(0);
  private current: FakeStreamHeader | null = null;
  private remaining = 0;
  /** payload bytes received of the current substream in this stream */
  private got = 0;
  private substreams = 0;

  constructor(private readonly events: StreamParserEvents) {}

  feed(chunk: Buffer): void {
    let data = chunk;
    while (data.length > 0) {
      if (this.current === null) {
        const nl = data.indexOf(0x0a);
        const part = nl < 0 ? data : data.subarray(0, nl);
        this.pending = Buffer.concat([this.pending, part]);
        const prefix = this.pending.subarray(0, FAKE_STREAM_MAGIC.length).toString('latin1');
        if (!FAKE_STREAM_MAGIC.startsWith(prefix)) throw new FakeStreamFormatError('invalid stream (bad magic number)');
        if (this.pending.length > MAX_HEADER_BYTES) throw new FakeStreamFormatError('invalid stream (header too long)');
        if (nl < 0) return;
        data = data.subarray(nl + 1);
        const h = parseStreamHeader(this.pending.toString('utf8'));
        this.pending = Buffer.alloc(0);
        this.current = h;
        this.remaining = h.size - h.offset;
        this.got = 0;
        this.substreams++;
        this.events.header(h);
        if (this.remaining <= 0) this.finishCurrent();
        continue;
      }
      const n = Math.min(this.remaining, data.length);
      this.remaining -= n;
      this.got += n;
      data = data.subarray(n);
      if (this.remaining === 0) this.finishCurrent();
    }
  }

  private finishCurrent(): void {
    const h = this.current!;
    this.current = null;
    this.events.complete(h);
  }

  /** Where the stream stands: the substream cut mid-way (with its payload bytes so far), and whether any began. */
  position(): { current: FakeStreamHeader | null; received: number; substreams: number; partialHeader: boolean } {
    return { current: this.current, received: this.got, substreams: this.substreams, partialHeader: this.pending.length > 0 };
  }
}

function parseStreamHeader(line: string): FakeStreamHeader {
  let h: unknown;
  try {
    h = JSON.parse(line.slice(FAKE_STREAM_MAGIC.length));
  } catch {
    throw new FakeStreamFormatError('invalid stream (bad header)');
  }
  const o = h as Partial<FakeStreamHeader>;
  if (typeof o !== 'object' || o === null || typeof o.toname !== 'string' || typeof o.toguid !== 'string'
    || typeof o.size !== 'number' || typeof o.offset !== 'number') {
    throw new FakeStreamFormatError('invalid stream (bad header)');
  }
  return o as FakeStreamHeader;
}

// ---- resume tokens ----

/** What a fake token carries: the fields `zfs send -nvt` prints of a real one. */
export interface FakeTokenFields {
  toname: string;
  toguid: Guid;
  fromguid?: Guid;
  bytes: number;
  rawok: boolean;
  compressok: boolean;
  embedok: boolean;
  largeblockok: boolean;
}

function checksum(payload: Buffer): string {
  return createHash('sha256').update(payload).digest('hex').slice(0, 9);
}

/** `1-<checksum>-<length>-<hex payload>`, shaped like OpenZFS's tokens (whose payload is a packed nvlist). */
export function renderFakeToken(f: FakeTokenFields): string {
  const payload = Buffer.from(JSON.stringify(f), 'utf8');
  return `1-${checksum(payload)}-${payload.length.toString(16)}-${payload.toString('hex')}`;
}

/** The fields of a fake token, or the reason OpenZFS would give for a corrupt one ("invalid format", ...). */
export function parseFakeToken(token: string): FakeTokenFields | { corrupt: string } {
  const m = /^1-([0-9a-f]+)-([0-9a-f]+)-(.*)$/.exec(token);
  if (!m) return { corrupt: 'invalid format' };
  if (!/^([0-9a-f]{2})*$/.test(m[3]!)) return { corrupt: 'payload is not hex-encoded' };
  const payload = Buffer.from(m[3]!, 'hex');
  if (checksum(payload) !== m[1] || payload.length !== parseInt(m[2]!, 16)) return { corrupt: 'incorrect checksum' };
  try {
    const f = JSON.parse(payload.toString('utf8')) as FakeTokenFields;
    if (typeof f.toname !== 'string' || typeof f.toguid !== 'string' || typeof f.bytes !== 'number') return { corrupt: 'invalid format' };
    return f;
  } catch {
    return { corrupt: 'invalid format' };
  }
}
