// The conversion's shared state: the notes (settings not carried over) by output job, the hosts written so far,
// and the small value converters (durations, sizes) between zrepl's forms and zform's.
import { ZformError } from '../errors.js';
import { parseDuration, parseSize } from '../config/units.js';

export interface ZreplFile { file: string; text: string }

export interface ConversionNote {
  /** where in the zrepl config: `FILE: jobs[0].connect.options` */
  where: string;
  message: string;
}

export interface ZreplConversion {
  /** the zform config as YAML, with the notes as comment lines */
  yaml: string;
  jobs: string[];
  /** settings not carried over, one per line in the YAML */
  notes: ConversionNote[];
}

export type Obj = Record<string, unknown>;
export interface SourcedJob { file: string; index: number; job: Obj; name: string; type: string }

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

const DURATION_UNITS: [string, number][] = [['w', 604_800_000], ['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]];
const GO_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** zrepl's duration (zform's form, or Go's like "1h30m") as zform's form ("90m"); null if not whole seconds. */
export function convertDuration(text: unknown): string | null {
  const t = str(text)?.trim();
  if (t === undefined) return null;
  try { parseDuration(t); return t; } catch { /* try Go's form */ }
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h|d|w))+$/.test(t)) return null;
  let ms = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d|w)/g)) ms += Number(m[1]) * GO_UNITS[m[2]!]!;
  if (ms <= 0 || ms % 1000 !== 0) return null;
  const [unit, size] = DURATION_UNITS.find(([, n]) => ms % n === 0)!;
  return `${ms / size}${unit}`;
}

/** zrepl's size ("23.5 MiB") in zform's form; null when zform reads it differently. */
export function convertSize(text: unknown): string | null {
  const t = str(text)?.trim();
  if (t === undefined) return null;
  try { parseSize(t); return t; } catch { return null; }
}

export class Converter {
  readonly notes: ConversionNote[] = [];
  /** notes per output job (by index), and for the top of the file */
  readonly jobNotes = new Map<number, ConversionNote[]>();
  readonly topNotes: ConversionNote[] = [];
  readonly hosts: Obj = {};
  private current: ConversionNote[] = this.topNotes;

  note(file: string, path: string, message: string): void {
    const n = { where: `${file}: ${path}`, message };
    this.notes.push(n);
    this.current.push(n);
  }
  forJob(i: number): void {
    this.current = this.jobNotes.get(i) ?? [];
    this.jobNotes.set(i, this.current);
  }
  toTop(): void { this.current = this.topNotes; }

  /** Keys of `o` other than `known` are noted as not carried over. */
  rest(file: string, path: string, o: Obj, known: string[], why = 'zform has no equivalent'): void {
    for (const k of Object.keys(o)) if (!known.includes(k)) this.note(file, `${path}.${k}`, why);
  }

  /** The zform host for an active job's `connect`, or "local"; null when the transport cannot be carried over. */
  host(file: string, path: string, connect: Obj): string {
    const type = str(connect.type);
    if (type === 'local') {
      this.rest(file, path, connect, ['type', 'listener_name', 'client_identity', 'dial_timeout'], 'not needed: zform runs both sides itself');
      return 'local';
    }
    let hostName: string | undefined;
    const ssh: Obj = {};
    if (type === 'ssh+stdinserver') {
      hostName = str(connect.host);
      if (connect.port !== undefined) ssh.port = Number(connect.port);
      if (connect.user !== undefined) ssh.user = str(connect.user);
      if (connect.identity_file !== undefined) ssh.identity_file = str(connect.identity_file);
      const timeout = connect.dial_timeout !== undefined ? convertDuration(connect.dial_timeout) : undefined;
      if (timeout) ssh.connect_timeout = timeout;
      else if (timeout === null) this.note(file, `${path}.dial_timeout`, `"${str(connect.dial_timeout)}" is not a whole number of seconds`);
      if (Array.isArray(connect.options) && connect.options.length > 0) this.note(file, `${path}.options`, `ssh options ${JSON.stringify(connect.options)}: zform's SSH client (ssh2) takes no OpenSSH options; set port, user, identity_file, known_hosts under hosts`);
      this.note(file, path, `zrepl's key runs only "zrepl stdinserver" (authorized_keys command=): zform runs zfs over SSH, so give it a key without that restriction (or a user with zfs allow and privilege: "sudo -n")`);
      this.rest(file, path, connect, ['type', 'host', 'port', 'user', 'identity_file', 'options', 'dial_timeout']);
    } else if (type === 'tcp' || type === 'tls') {
      const address = str(connect.address) ?? '';
      hostName = address.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
      this.note(file, path, `transport ${type} (${address}): zform reaches other hosts over SSH only; the host is set up for SSH as root on port 22, change it under hosts`);
      this.rest(file, path, connect, ['type', 'address'], `belongs to zrepl's ${type} transport, which zform does not use`);
    } else {
      throw new ZformError('config', `${file}: ${path}.type: unknown zrepl transport "${type ?? ''}" (local, ssh+stdinserver, tcp or tls)`);
    }
    if (!hostName) throw new ZformError('config', `${file}: ${path}: no host to connect to`);
    return this.addHost(hostName, ssh);
  }

  private addHost(hostName: string, ssh: Obj): string {
    const entry = { ssh: { host: hostName, ...ssh } };
    const base = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(hostName) && hostName !== 'local' ? hostName : `host_${hostName.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
    for (let n = 1; ; n++) {
      const key = n === 1 ? base : `${base}_${n}`;
      const existing = this.hosts[key];
      if (existing === undefined) { this.hosts[key] = entry; return key; }
      if (JSON.stringify(existing) === JSON.stringify(entry)) return key;
    }
  }
}
