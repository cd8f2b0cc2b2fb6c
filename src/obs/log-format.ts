// Renders one log record as a line: human (for people), logfmt (key=value) or JSON (one object per line).
export type LogFormat = 'human' | 'logfmt' | 'json';
export const LOG_FORMATS: readonly LogFormat[] = ['human', 'logfmt', 'json'];

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export type LogValue = string | number | boolean | null | readonly string[];

export interface LogRecord {
  time: Date;
  level: LogLevel;
  msg: string;
  /** job, dataset, step first (when known), then the message's own fields, in insertion order */
  fields: Record<string, LogValue | undefined>;
}

/** A logfmt value: bare when it is a plain token, else double-quoted with \\ \" \n \r \t escaped. */
export function quoteLogfmt(v: string): string {
  if (v !== '' && /^[^\s"=\\\x00-\x1f\x7f]+$/.test(v)) return v;
  return '"' + v.replace(/[\\"\x00-\x1f\x7f]/g, (c) => {
    switch (c) {
      case '\\': return '\\\\';
      case '"': return '\\"';
      case '\n': return '\\n';
      case '\r': return '\\r';
      case '\t': return '\\t';
      default: return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
    }
  }) + '"';
}

/** argv as one shell-like string for human and logfmt lines (JSON keeps the array). */
export function joinArgv(argv: readonly string[]): string {
  return argv.map((a) => (a !== '' && /^[\w@%+=:,./#<>-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

function scalar(v: LogValue): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return joinArgv(v);
  return String(v);
}

function defined(fields: LogRecord['fields']): [string, LogValue][] {
  return Object.entries(fields).filter((e): e is [string, LogValue] => e[1] !== undefined);
}

function hhmmss(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** Human: "12:00:01.234 debug [job:3 pool/ds] msg key=value". Local time: people read it next to their clock. */
function renderHuman(r: LogRecord): string {
  const f = defined(r.fields);
  const where = [r.fields.step ?? r.fields.job, r.fields.dataset].filter((x) => typeof x === 'string' && x !== '');
  const rest = f.filter(([k]) => k !== 'job' && k !== 'dataset' && k !== 'step');
  const tail = rest.map(([k, v]) => ` ${k}=${quoteLogfmt(scalar(v))}`).join('');
  return `${hhmmss(r.time)} ${r.level.padEnd(5)} ${where.length ? `[${where.join(' ')}] ` : ''}${r.msg}${tail}`;
}

export function formatLogRecord(r: LogRecord, format: LogFormat): string {
  switch (format) {
    case 'human':
      return renderHuman(r);
    case 'logfmt':
      return [['time', r.time.toISOString()], ['level', r.level], ['msg', r.msg], ...defined(r.fields)]
        .map(([k, v]) => `${k}=${quoteLogfmt(scalar(v as LogValue))}`).join(' ');
    case 'json':
      return JSON.stringify({ time: r.time.toISOString(), level: r.level, msg: r.msg, ...Object.fromEntries(defined(r.fields)) });
  }
}
