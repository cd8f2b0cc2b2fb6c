// One redrawn status line on a terminal (spinner, step, bytes). The spinner is ora's (frames, text, clearing);
// around it are guards that keep it from ever blocking or flooding zform, because ora on its own looped for ever
// on a terminal of 0 columns (it divides the text width by `columns`): no spinner unless the stream is a terminal
// at least MIN_COLUMNS wide (0 columns, as `script` and `ssh -tt` report, means plain lines instead); ora writes
// to a proxy stream whose `columns` is clamped to [MIN_COLUMNS, MAX_COLUMNS] at every read (a terminal resized to
// 0 later never reaches ora) and which drops a frame while the terminal has not taken the previous one; the text
// is cut to the width; frames come from our own timer (ora's render()), unref'd, so that a spinner nobody stopped
// never keeps the process alive (ora's start() would set a referenced interval). No cursor hiding, no stdin
// discarding: nothing for a signal or a crash to leave behind.
import type { Writable } from 'node:stream';
import ora, { type Ora } from 'ora';

export const MIN_COLUMNS = 20;
/** wider terminals draw at most this many characters: a huge width never means a huge write */
export const MAX_COLUMNS = 500;
export const INTERVAL_MS = 100;
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const CLEAR = '\r\x1b[K';

export type ProgressStream = Writable & { isTTY?: boolean; columns?: number; rows?: number };

/** the most lines a progress block draws (and never more than the terminal's rows less one) */
export const MAX_LINES = 12;

/** The width a progress line may use on this stream, or null for no progress line (not a terminal, or too narrow). */
export function progressColumns(stream: ProgressStream): number | null {
  const cols = stream.columns;
  if (!stream.isTTY || typeof cols !== 'number' || !Number.isFinite(cols) || cols < MIN_COLUMNS) return null;
  return Math.min(Math.floor(cols), MAX_COLUMNS);
}

/** `text` cut to `width` characters (code points; an ellipsis marks the cut). Pure. */
export function fitLine(text: string, width: number): string {
  const flat = text.replace(/[\r\n\t]+/g, ' ');
  const chars = [...flat];
  if (chars.length <= width) return flat;
  return width <= 1 ? chars.slice(0, Math.max(0, width)).join('') : chars.slice(0, width - 1).join('') + '…';
}

export interface ProgressLine {
  /** the step shown; the first call starts the line */
  set(text: string): void;
  /** several lines (one per running transfer under a total): the first carries the spinner; each is cut to the
   *  width, and there are at most MAX_LINES of them (the last then says how many more there are) */
  setLines(lines: string[]): void;
  /** clears the line and stops the timer (idempotent) */
  stop(): void;
  /** writes `line` (and a newline) in the progress line's place; the progress line comes back at the next redraw */
  print(line: string): void;
}

/** The stream ora writes to: `columns` is the real width clamped to [MIN_COLUMNS, MAX_COLUMNS] at every read.
 *  ora's cursorTo/clearLine/moveCursor (its clearing of the line) go to `stream` in one write with what follows:
 *  the next frame, which then starts at column 0 of a cleared line, or `flush` (a stop, or a printed line). A frame
 *  is dropped while `stream` has not drained. A move up (ora clearing its lines) goes out only as far as the lines
 *  of the last frame reach (each line is cut to the width, so it is one line on the terminal): nothing printed
 *  above the block can ever be erased. `drawn` says whether a frame is on the line. */
function oraStream(stream: ProgressStream) {
  let pending = '';
  /** how many moves up the last frame allows (its lines less one), and whether one is pending */
  let upsLeft = 0;
  let moved = false;
  const proxy = {
    isTTY: true as const,
    drawn: false,
    get columns(): number {
      const cols = stream.columns;
      return typeof cols === 'number' && Number.isFinite(cols) ? Math.min(Math.max(Math.floor(cols), MIN_COLUMNS), MAX_COLUMNS) : MIN_COLUMNS;
    },
    write(frame: string): boolean {
      if (stream.writableNeedDrain) return false;
      const head = moved ? pending : CLEAR; // after moves up, ora's clearing of every line; else one line's
      pending = '';
      moved = false;
      proxy.drawn = true;
      upsLeft = (frame.match(/\n/g) ?? []).length;
      return stream.write(head + frame);
    },
    cursorTo(x: number): boolean {
      pending += x === 0 ? '\r' : `\x1b[${Math.max(0, Math.floor(x)) + 1}G`;
      return true;
    },
    clearLine(dir: number): boolean {
      pending += dir < 0 ? '\x1b[1K' : dir > 0 ? '\x1b[K' : '\x1b[2K';
      return true;
    },
    moveCursor(dx: number, dy: number): boolean {
      if (dy === 0 && dx) pending += dx > 0 ? `\x1b[${dx}C` : `\x1b[${-dx}D`;
      const up = dy < 0 ? Math.min(-dy, upsLeft) : 0;
      if (up > 0) { upsLeft -= up; moved = true; pending += `\x1b[${up}A`; }
      return true;
    },
    /** what ora's clearing wrote, then `after`, in one write */
    flush(after = ''): void {
      const text = pending + after;
      pending = '';
      moved = false;
      upsLeft = 0;
      proxy.drawn = false;
      if (text) stream.write(text);
    },
  };
  return proxy;
}

/** A progress line on `stream`, or null when the stream cannot carry one (then callers print plain lines). */
export function createProgressLine(stream: ProgressStream, paint: (frame: string) => string = (f) => f): ProgressLine | null {
  if (progressColumns(stream) === null) return null;
  const out = oraStream(stream);
  const spinner: Ora = ora({
    stream: out as unknown as NodeJS.WritableStream,
    isEnabled: true,
    isSilent: false,
    discardStdin: false,
    hideCursor: false,
    color: false,
    spinner: { interval: INTERVAL_MS, frames: FRAMES.map(paint) },
  });
  let lines: string[] = [''];
  let timer: NodeJS.Timeout | null = null;
  const draw = () => {
    const cols = progressColumns(stream);
    // resized below the minimum, or the terminal has not drained the last frame: skip this one
    if (cols === null || stream.writableNeedDrain) return;
    // ora writes frame, space, text and counts 4 more columns than that: cut so that it counts one line, and
    // one column stays free so that the cursor never wraps to a new line
    spinner.text = clampLines(lines, stream.rows).map((l) => fitLine(l, cols - 4)).join('\n');
    spinner.render();
  };
  const start = () => {
    if (timer) return;
    timer = setInterval(draw, INTERVAL_MS);
    timer.unref();
    draw();
  };
  /** ora clears the line (when a frame is on it), then `after` goes out in the same write */
  const clear = (after = '') => {
    if (out.drawn) spinner.clear();
    out.flush(after);
  };
  return {
    set(t) {
      lines = [t];
      start();
    },
    setLines(ls) {
      lines = ls.length > 0 ? ls : [''];
      start();
    },
    stop() {
      if (timer) { clearInterval(timer); timer = null; }
      clear(); // ora's start() is never called (our timer draws), so there is no ora interval to stop
    },
    print(line) {
      clear(line + '\n');
    },
  };
}

/** At most MAX_LINES lines and fewer than the terminal's rows (a block taller than the screen could not be cleared):
 *  the last line kept then says how many more there are. Pure. */
export function clampLines(lines: string[], rows?: number): string[] {
  const max = Math.max(1, Math.min(MAX_LINES, typeof rows === 'number' && Number.isFinite(rows) && rows > 1 ? Math.floor(rows) - 1 : MAX_LINES));
  if (lines.length <= max) return lines;
  if (max === 1) return [lines[0]!];
  return [...lines.slice(0, max - 1), `… and ${lines.length - max + 1} more`];
}
