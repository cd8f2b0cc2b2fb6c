// One redrawn status line on a terminal (spinner, step, bytes), built so that it can never block or flood zform:
// it draws only on a terminal at least MIN_COLUMNS wide (0 columns, as `script` and `ssh -tt` report, means
// plain lines instead), cuts its text to the width, redraws at most every INTERVAL_MS on a timer that never
// keeps the process alive, and skips a frame while the terminal has not taken the previous one.
import type { Writable } from 'node:stream';

export const MIN_COLUMNS = 20;
/** wider terminals draw at most this many characters: a huge width never means a huge write */
export const MAX_COLUMNS = 500;
export const INTERVAL_MS = 100;
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const CLEAR = '\r\x1b[K';

export type ProgressStream = Writable & { isTTY?: boolean; columns?: number };

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
  /** clears the line and stops the timer (idempotent) */
  stop(): void;
  /** writes `line` (and a newline) in the progress line's place; the progress line comes back at the next redraw */
  print(line: string): void;
}

/** A progress line on `stream`, or null when the stream cannot carry one (then callers print plain lines). */
export function createProgressLine(stream: ProgressStream, paint: (frame: string) => string = (f) => f): ProgressLine | null {
  if (progressColumns(stream) === null) return null;
  let text = '';
  let frame = 0;
  let drawn = false;
  let timer: NodeJS.Timeout | null = null;
  const draw = () => {
    const cols = progressColumns(stream);
    // resized below the minimum, or the terminal has not drained the last frame: skip this one
    if (cols === null || stream.writableNeedDrain) return;
    frame = (frame + 1) % FRAMES.length;
    // one column left free so that the cursor never wraps to a new line
    stream.write(CLEAR + paint(FRAMES[frame]!) + ' ' + fitLine(text, cols - 3));
    drawn = true;
  };
  const clear = () => {
    if (timer) { clearInterval(timer); timer = null; }
    if (drawn) { stream.write(CLEAR); drawn = false; }
  };
  return {
    set(t) {
      text = t;
      if (!timer) {
        timer = setInterval(draw, INTERVAL_MS);
        timer.unref();
        draw();
      }
    },
    stop: clear,
    print(line) {
      stream.write((drawn ? CLEAR : '') + line + '\n');
      drawn = false;
    },
  };
}
