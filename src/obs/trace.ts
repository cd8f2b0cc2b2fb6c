// A run's trace in the Trace Event Format (chrome://tracing, Perfetto, speedscope): "X" complete events
// with microsecond timestamps from the run's start, one thread (tid) per lane, lanes named by "M" events.
import { addTo } from '../multimap.js';
export interface TraceEvent {
  name: string;
  cat?: string;
  ph: 'X' | 'i' | 'M';
  /** microseconds since the trace's start */
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  /** instant events: scope thread */
  s?: 't';
  args?: Record<string, unknown>;
}

export interface TraceDocument {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ms';
  otherData: Record<string, string>;
}

export interface TraceRecorderOptions {
  pid: number;
  /** monotonic milliseconds (monotonicMs) */
  now: () => number;
  /** wall-clock time of the start, kept in otherData */
  startTime: Date;
  otherData?: Record<string, string>;
}

/** The lane everything without a dataset goes to (the run, planning, jobs, snapshot steps). */
export const MAIN_LANE = 1;

export class TraceRecorder {
  private readonly events: TraceEvent[] = [];
  private readonly lanes = new Map<string, number>();
  private readonly origin: number;

  constructor(private readonly opts: TraceRecorderOptions) {
    this.origin = opts.now();
    this.meta(MAIN_LANE, 'zform');
  }

  /** Monotonic milliseconds, as the recorder reads them. */
  now(): number {
    return this.opts.now();
  }

  private us(ms: number): number {
    return Math.max(0, Math.round((ms - this.origin) * 1000));
  }

  private meta(tid: number, name: string): void {
    this.events.push({ name: 'thread_name', ph: 'M', ts: 0, pid: this.opts.pid, tid, args: { name } });
    this.events.push({ name: 'thread_sort_index', ph: 'M', ts: 0, pid: this.opts.pid, tid, args: { sort_index: tid } });
  }

  /** The tid of a named lane (a dataset chain), created on first use. */
  lane(label: string): number {
    let tid = this.lanes.get(label);
    if (tid === undefined) {
      tid = MAIN_LANE + 1 + this.lanes.size;
      this.lanes.set(label, tid);
      this.meta(tid, label);
    }
    return tid;
  }

  /** A span from startMs to endMs (monotonic milliseconds). Rounding both ends keeps nested spans nested. */
  complete(name: string, cat: string, tid: number, startMs: number, endMs: number, args?: Record<string, unknown>): void {
    const ts = this.us(startMs);
    const end = Math.max(ts, this.us(endMs));
    this.events.push({ name, cat, ph: 'X', ts, dur: end - ts, pid: this.opts.pid, tid, ...(args ? { args } : {}) });
  }

  instant(name: string, cat: string, tid: number, atMs: number, args?: Record<string, unknown>): void {
    this.events.push({ name, cat, ph: 'i', s: 't', ts: this.us(atMs), pid: this.opts.pid, tid, ...(args ? { args } : {}) });
  }

  /** Completed spans so far (for deriving enclosing spans). */
  spans(): readonly TraceEvent[] {
    return this.events.filter((e) => e.ph === 'X');
  }

  /**
   * Concurrent work on one lane (source and target listed at once, a send and its receive) would make spans
   * overlap without nesting, which viewers cannot draw: such a span moves to an overflow lane "<lane> (2)",
   * "<lane> (3)"..., the first where it nests or stands alone.
   */
  private layout(): TraceEvent[] {
    const names = new Map<number, string>();
    for (const e of this.events) if (e.ph === 'M' && e.name === 'thread_name') names.set(e.tid, String(e.args?.name));
    let nextTid = Math.max(MAIN_LANE, ...this.events.map((e) => e.tid)) + 1;
    const out: TraceEvent[] = this.events.filter((e) => e.ph !== 'X');
    const byTid = new Map<number, TraceEvent[]>();
    for (const e of this.events) if (e.ph === 'X') addTo(byTid, e.tid, e);
    for (const [tid, spans] of byTid) {
      spans.sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
      const lanes: { tid: number; open: number[] }[] = [{ tid, open: [] }];
      for (const e of spans) {
        const end = e.ts + e.dur!;
        for (let k = 0; ; k++) {
          if (k === lanes.length) {
            const extra = nextTid++;
            lanes.push({ tid: extra, open: [] });
            out.push({ name: 'thread_name', ph: 'M', ts: 0, pid: this.opts.pid, tid: extra, args: { name: `${names.get(tid) ?? tid} (${k + 1})` } });
            out.push({ name: 'thread_sort_index', ph: 'M', ts: 0, pid: this.opts.pid, tid: extra, args: { sort_index: tid * 100 + k } });
          }
          const lane = lanes[k]!;
          while (lane.open.length > 0 && lane.open[lane.open.length - 1]! <= e.ts) lane.open.pop();
          const top = lane.open[lane.open.length - 1];
          if (top === undefined || end <= top) {
            lane.open.push(end);
            out.push({ ...e, tid: lane.tid });
            break;
          }
        }
      }
    }
    // the lanes' own sort order: a lane's overflow lanes right after it
    return out.map((e) => (e.ph === 'M' && e.name === 'thread_sort_index' && e.tid <= MAIN_LANE + this.lanes.size ? { ...e, args: { sort_index: e.tid * 100 } } : e));
  }

  toJSON(): TraceDocument {
    // Sorted by start, longer first: viewers then nest spans that start together correctly.
    const sorted = this.layout().sort((a, b) => (a.ph === 'M' ? -1 : 0) - (b.ph === 'M' ? -1 : 0) || a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
    return { traceEvents: sorted, displayTimeUnit: 'ms', otherData: { startTime: this.opts.startTime.toISOString(), ...this.opts.otherData } };
  }
}
