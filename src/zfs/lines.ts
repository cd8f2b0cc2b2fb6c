// Splits `-H` output (tab-separated lines) into lines as it streams in, in bytes: a listing of millions of lines is
// parsed chunk by chunk and never held whole, and no string is made for a column the parser does not keep.

/** Called for each complete line: its bytes are buf[start, end), tabs[0..nTabs) the positions of its tabs in buf
 *  (only the first tabs.length are recorded; nTabs counts them all), no its 1-based line number. */
export type TabbedLineHandler = (buf: Buffer, start: number, end: number, tabs: Int32Array, nTabs: number, no: number) => void;

/** Reads the line that starts at buf[start] (a newline is known to come after it in buf) and returns where the next
 *  line starts; or returns -1, having changed nothing, to leave the line to the TabbedLineHandler. */
export type FastLineHandler = (buf: Buffer, start: number) => number;

/** Feeds chunks (push) and the end of the stream (end) to a handler of whole lines; a last line without its newline
 *  counts. A line split across chunks is put together first (copied: the splitter keeps no chunk it was given). */
export class TabbedLineSplitter {
  private readonly tabs: Int32Array;
  private rest: Buffer[] = [];
  private no = 0;

  /** `fastLine`, if given, is tried first on each complete line: it reads the line's fields in the same pass that
   *  finds its end, and returns where the next line starts, or -1 (having changed nothing) when the line is not in
   *  its usual form; onLine then gets the line as usual. Lines of millions pay one pass over their bytes, not two. */
  constructor(maxTabs: number, private readonly onLine: TabbedLineHandler, private readonly fastLine: FastLineHandler | null = null) {
    this.tabs = new Int32Array(maxTabs);
  }

  push(chunk: Buffer): void {
    let from = 0;
    if (this.rest.length > 0) {
      const nl = chunk.indexOf(10);
      if (nl < 0) { this.rest.push(Buffer.from(chunk)); return; }
      const line = Buffer.concat([...this.rest, chunk.subarray(0, nl + 1)]);
      this.rest = [];
      this.scan(line, 0);
      from = nl + 1;
    }
    const tail = this.scan(chunk, from);
    if (tail < chunk.length) this.rest.push(Buffer.from(chunk.subarray(tail)));
  }

  end(): void {
    if (this.rest.length === 0) return;
    const line = Buffer.concat(this.rest);
    this.rest = [];
    this.onLine(line, 0, line.length, this.tabs, this.record(line, 0, line.length), ++this.no);
  }

  /** Hands over every complete line of buf from `from` on; returns where the incomplete tail starts. */
  private scan(buf: Buffer, from: number): number {
    if (this.fastLine !== null) return this.scanFast(buf, from, this.fastLine);
    const tabs = this.tabs;
    const max = tabs.length;
    let start = from;
    let n = 0;
    for (let i = from; i < buf.length; i++) {
      const c = buf[i]!;
      if (c === 9) {
        if (n < max) tabs[n] = i;
        n++;
      } else if (c === 10) {
        this.onLine(buf, start, i, tabs, n, ++this.no);
        start = i + 1;
        n = 0;
      }
    }
    return start;
  }

  /** scan with fastLine: every line of buf from `from` up to its last newline. */
  private scanFast(buf: Buffer, from: number, fastLine: FastLineHandler): number {
    const last = buf.lastIndexOf(10);
    let start = from;
    while (start <= last) {
      const next = fastLine(buf, start);
      if (next >= 0) {
        this.no++;
        start = next;
        continue;
      }
      const nl = buf.indexOf(10, start);
      this.onLine(buf, start, nl, this.tabs, this.record(buf, start, nl), ++this.no);
      start = nl + 1;
    }
    return start;
  }

  /** The tabs of one line (for the last, unterminated one, and the lines fastLine leaves). */
  private record(buf: Buffer, start: number, end: number): number {
    let n = 0;
    for (let i = start; i < end; i++) {
      if (buf[i] === 9) {
        if (n < this.tabs.length) this.tabs[n] = i;
        n++;
      }
    }
    return n;
  }
}
