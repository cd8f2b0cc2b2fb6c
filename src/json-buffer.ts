// JSON text of any size a Buffer holds, parsed without making it one string: V8's strings stop at 2^29 - 24
// characters (~512 MiB), and a saved plan of a first prune at scale is larger (589 MB at 10,000 datasets × 100
// snapshots). A value whose text fits in `pieceBytes` is JSON.parse-d whole; a larger object or array is walked
// member by member by a structural scanner (strings, brackets, commas and colons), each member parsed the same way.
// Pure.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/** Values whose text is at most this many bytes are parsed by JSON.parse in one piece. */
export const JSON_PIECE_BYTES = 64 * 1024 * 1024;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

class Scanner {
  constructor(private readonly buf: Buffer, private readonly pieceBytes: number) {}

  fail(pos: number, what?: string): never {
    if (pos >= this.buf.length) throw new SyntaxError('Unexpected end of JSON input');
    throw new SyntaxError(`Unexpected character ${JSON.stringify(String.fromCharCode(this.buf[pos]!))} at position ${pos}${what ? ` (${what} expected)` : ''}`);
  }

  skipSpace(pos: number): number {
    const { buf } = this;
    while (pos < buf.length && isSpace(buf[pos]!)) pos++;
    return pos;
  }

  /** The position after the string that opens at `pos` (a quote). */
  skipString(pos: number): number {
    const { buf } = this;
    let i = pos + 1;
    for (;;) {
      const q = buf.indexOf(QUOTE, i);
      if (q < 0) this.fail(buf.length);
      let slashes = 0;
      while (buf[q - 1 - slashes] === BACKSLASH) slashes++;
      if (slashes % 2 === 0) return q + 1;
      i = q + 1;
    }
  }

  /** The position after the value that starts at `pos` (no leading space), or -1 when it is an object or array
   *  that does not close before `limit`: brackets matched, strings skipped; what lies between is checked by
   *  JSON.parse, or by `container` for a value that does not close in time. */
  skipValue(pos: number, limit: number): number {
    const { buf } = this;
    const first = buf[pos];
    if (first === undefined) this.fail(pos);
    if (first === QUOTE) return this.skipString(pos);
    if (first !== OPEN_OBJECT && first !== OPEN_ARRAY) {
      // a number, true, false or null: up to the next delimiter
      let i = pos;
      while (i < buf.length) {
        const c = buf[i]!;
        if (c === COMMA || c === CLOSE_OBJECT || c === CLOSE_ARRAY || c === COLON || isSpace(c)) break;
        i++;
      }
      if (i === pos) this.fail(pos, 'a value');
      return i;
    }
    const stop = Math.min(limit, buf.length);
    let depth = 0;
    let i = pos;
    while (i < stop) {
      const c = buf[i]!;
      if (c === QUOTE) { i = this.skipString(i); continue; }
      if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++;
      else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    if (stop === buf.length) this.fail(buf.length);
    return -1;
  }

  /** The value that starts at `pos` and the position after it: JSON.parse-d whole when its text is at most a piece,
   *  else (an object or array) member by member. */
  value(pos: number): [unknown, number] {
    const end = this.skipValue(pos, pos + this.pieceBytes);
    if (end < 0) return this.container(pos);
    try {
      return [JSON.parse(this.buf.toString('utf8', pos, end)), end];
    } catch (err) {
      throw new SyntaxError(`${(err as Error).message} (in the value at position ${pos})`);
    }
  }

  /** An object or array larger than a piece, from its opening bracket at `start`. */
  container(start: number): [unknown, number] {
    const { buf } = this;
    const isObject = buf[start] === OPEN_OBJECT;
    const close = isObject ? CLOSE_OBJECT : CLOSE_ARRAY;
    const object: Record<string, unknown> = {};
    const array: unknown[] = [];
    const done = (pos: number): [unknown, number] => [isObject ? object : array, pos + 1];
    let pos = this.skipSpace(start + 1);
    if (buf[pos] === close) return done(pos);
    for (;;) {
      let key = '';
      if (isObject) {
        if (buf[pos] !== QUOTE) this.fail(pos, 'a member name');
        const keyEnd = this.skipString(pos);
        key = JSON.parse(buf.toString('utf8', pos, keyEnd)) as string;
        pos = this.skipSpace(keyEnd);
        if (buf[pos] !== COLON) this.fail(pos, '":"');
        pos = this.skipSpace(pos + 1);
      }
      const [value, valueEnd] = this.value(pos);
      if (isObject) {
        // as JSON.parse does: a later duplicate wins, and "__proto__" is an own member, not the prototype
        Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
      } else {
        array.push(value);
      }
      pos = this.skipSpace(valueEnd);
      if (buf[pos] === COMMA) { pos = this.skipSpace(pos + 1); continue; }
      if (buf[pos] === close) return done(pos);
      this.fail(pos, `"," or "${String.fromCharCode(close)}"`);
    }
  }
}

/**
 * JSON.parse of the UTF-8 text in `buf`, for texts longer than a string can be: the same value, or a SyntaxError
 * (its position is a byte offset). `pieceBytes` (tests) sets how large a value is parsed in one piece.
 */
export function parseJsonBuffer(buf: Buffer, pieceBytes: number = JSON_PIECE_BYTES): unknown {
  // a text of one piece: JSON.parse itself, with its own messages
  if (buf.length <= pieceBytes) return JSON.parse(buf.toString('utf8'));
  const s = new Scanner(buf, pieceBytes);
  const start = s.skipSpace(0);
  if (start >= buf.length) s.fail(start);
  const [value, end] = s.value(start);
  const rest = s.skipSpace(end);
  if (rest !== buf.length) s.fail(rest, 'the end of the text');
  return value;
}
