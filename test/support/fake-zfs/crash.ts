// A kill -9 of zform at one zfs command boundary, shared by the fake executors of a run: before a command starts,
// after it ended (its effects done, zform never sees the result), or mid-stream (a receive has half of one substream).
// From the crash on, every process is frozen: new commands never start and never end, running ones end nowhere.

export type CrashWhen = 'before' | 'after' | 'mid';

export interface CrashPoint {
  /** index of the command among all commands of the run (both hosts), from 0 */
  command: number;
  when: CrashWhen;
  /** 'mid' only: the substream of the receive cut in its middle */
  substream?: number;
}

/** What a run without a crash did: each command's host and argv, and for receives how many substreams arrived. */
export interface TracedCommand {
  host: string;
  argv: string[];
  /** receives only: the payload bytes of each substream that began */
  substreams?: number[];
}

/** Something a crash must stop: a running process cut as a kill -9 of zform cuts it (a receive reads EOF). */
export interface CrashVictim {
  crashStop(): void;
}

export class CrashSwitch {
  /** commands started so far */
  private count = 0;
  readonly trace: TracedCommand[] = [];
  dead = false;
  /** resolves when the crash happened */
  readonly crashed: Promise<void>;
  private fire!: () => void;
  private readonly live = new Set<CrashVictim>();

  constructor(readonly target: CrashPoint | null = null) {
    this.crashed = new Promise((resolve) => { this.fire = resolve; });
  }

  /** A command starts: its index, or null when zform is dead (or dies now, before it). */
  enter(host: string, argv: string[]): number | null {
    if (this.dead) return null;
    const k = this.count++;
    this.trace.push({ host, argv });
    if (this.target?.command === k && this.target.when === 'before') { this.kill(); return null; }
    return k;
  }

  /** The command ended (its effects are done): whether zform dies now, never seeing the result. */
  after(k: number): boolean {
    if (this.dead) return true;
    if (this.target?.command === k && this.target.when === 'after') { this.kill(); return true; }
    return false;
  }

  /** The substream of command k to cut mid-way, if this run's crash is there. */
  midSubstream(k: number): number | null {
    return !this.dead && this.target?.command === k && this.target.when === 'mid' ? this.target.substream ?? 0 : null;
  }

  /** A receive began a substream of this many payload bytes. */
  noteSubstream(k: number, bytes: number): void {
    const t = this.trace[k];
    if (t) (t.substreams ??= []).push(bytes);
  }

  watch(v: CrashVictim): void {
    this.live.add(v);
  }

  unwatch(v: CrashVictim): void {
    this.live.delete(v);
  }

  kill(): void {
    if (this.dead) return;
    this.dead = true;
    for (const v of this.live) v.crashStop();
    this.live.clear();
    this.fire();
  }
}

/** Every crash point of a traced run: before and after each command, and mid-way through each substream a receive got
 *  (one with a payload: an empty one has no middle). */
export function computeCrashPoints(trace: TracedCommand[]): CrashPoint[] {
  const out: CrashPoint[] = [];
  trace.forEach((t, command) => {
    out.push({ command, when: 'before' });
    (t.substreams ?? []).forEach((bytes, substream) => { if (bytes > 0) out.push({ command, when: 'mid', substream }); });
    out.push({ command, when: 'after' });
  });
  return out;
}
