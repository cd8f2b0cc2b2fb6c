// What `zfs send -v -P` prints on stderr besides errors, and the byte count read from it (direct transfers,
// transfer-direct.ts, where no byte passes through us to be counted).
//
// OpenZFS 2.1 (test/fixtures/zfs/2.1/send-progress/):
//   - before the stream, one estimate line per snapshot of the stream and their total:
//     `full<TAB>p/a@s<TAB>BYTES`, `incremental<TAB>p/a@s1<TAB>p/a@s2<TAB>BYTES`, `size<TAB>BYTES`;
//   - with -t, first `resume token contents:` and the token as an nvlist (`nvlist version: 0`, `<TAB>key = value`);
//   - every second while a snapshot is sent: `HH:MM:SS<TAB>BYTES<TAB>p/a@s` (with -vv also blocks before the name),
//     BYTES counting from 0 for each snapshot of an -I stream;
//   - nothing at the end: the count of the last second of each snapshot is never printed.
// So the exact size of the stream is not printed anywhere (nor by `zfs receive -v`, which rounds it to 3 digits).
// The count reported is, per snapshot, the larger of what was last printed (a true lower bound) and zfs's estimate.
import type { StderrFilter } from './exec.js';

export interface SendProgressLine { snapshot: string; bytes: number }

/** `HH:MM:SS<TAB>BYTES[<TAB>BLOCKS]<TAB>SNAPSHOT`, or null. */
export function parseSendProgressLine(line: string): SendProgressLine | null {
  const m = /^\d\d:\d\d:\d\d\t(\d+)\t(?:\d+\t)?(\S+)$/.exec(line);
  return m ? { snapshot: m[2]!, bytes: Number(m[1]) } : null;
}

export type SendHeaderLine =
  | { kind: 'estimate'; snapshot: string; bytes: number }
  | { kind: 'total'; bytes: number };

/** `full<TAB>SNAP<TAB>BYTES`, `incremental<TAB>FROM<TAB>SNAP<TAB>BYTES` or `size<TAB>BYTES`, or null. */
export function parseSendHeaderLine(line: string): SendHeaderLine | null {
  let m = /^full\t(\S+)\t(\d+)$/.exec(line) ?? /^incremental\t\S+\t(\S+)\t(\d+)$/.exec(line);
  if (m) return { kind: 'estimate', snapshot: m[1]!, bytes: Number(m[2]) };
  m = /^size\t(\d+)$/.exec(line);
  return m ? { kind: 'total', bytes: Number(m[1]) } : null;
}

/** Reads `zfs send -v -P` stderr as it arrives (a StderrFilter): keeps only what is not progress, estimate or resume
 *  token lines (what is left is the error text), and counts the bytes. Memory stays constant however long it runs. */
export class SendProgress implements StderrFilter {
  private partial = '';
  private inToken = false;
  /** per snapshot in stream order: the last count printed and zfs's estimate */
  private readonly snaps = new Map<string, { printed: number; estimated: number }>();
  private estimatedTotal: number | null = null;

  /** called with the running count whenever a progress line raises it */
  onBytes?: (bytes: number) => void;

  write(text: string): string {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop()!;
    return lines.map((l) => this.line(l)).join('');
  }

  end(): string {
    const rest = this.partial;
    this.partial = '';
    return rest === '' ? '' : this.line(rest).replace(/\n$/, '');
  }

  /** The count so far: everything the progress lines said (a lower bound while it runs). */
  get bytes(): number {
    let n = 0;
    for (const s of this.snaps.values()) n += s.printed;
    return n;
  }

  /** zfs's estimate of the whole stream (`size`), when it printed one. */
  get estimatedBytes(): number | null {
    return this.estimatedTotal;
  }

  /** The count of a stream that was sent completely: per snapshot, the last printed count or zfs's estimate,
   *  whichever is larger (the last second of each snapshot is never printed). */
  get finalBytes(): number {
    let n = 0;
    for (const s of this.snaps.values()) n += Math.max(s.printed, s.estimated);
    return Math.max(n, this.snaps.size === 0 ? this.estimatedTotal ?? 0 : 0);
  }

  /** One line: '' when it is ours to drop, else the line with its newline. */
  private line(l: string): string {
    const t = l.replace(/\r$/, '');
    if (this.inToken) {
      if (/^nvlist version: \d+$/.test(t) || /^\t/.test(t)) return '';
      this.inToken = false;
    }
    if (t === 'resume token contents:') { this.inToken = true; return ''; }
    const p = parseSendProgressLine(t);
    if (p) {
      const s = this.snap(p.snapshot);
      if (p.bytes > s.printed) { s.printed = p.bytes; this.onBytes?.(this.bytes); }
      return '';
    }
    const h = parseSendHeaderLine(t);
    if (h) {
      if (h.kind === 'total') this.estimatedTotal = h.bytes;
      else this.snap(h.snapshot).estimated = h.bytes;
      return '';
    }
    return `${l}\n`;
  }

  private snap(name: string): { printed: number; estimated: number } {
    let s = this.snaps.get(name);
    if (!s) { s = { printed: 0, estimated: 0 }; this.snaps.set(name, s); }
    return s;
  }
}
