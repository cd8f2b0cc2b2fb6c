// computeZreplConversion: zrepl configs (the YAML of one or more hosts) -> the equivalent zform config, with one
// note for each setting that cannot be carried over. Pure: the files' texts are parameters.
//
// zrepl splits a replication across two hosts (push+sink, pull+source); zform describes it once. An active job is
// paired with its passive side from the files given: by listener_name for the local transport, else the one
// passive job of the matching type in another file (another host). push+sink: source local, target the connect host, root_fs = the sink's
// root_fs/<client identity> (where zrepl received). pull+source: source the connect host, target local,
// root_fs = the pull's root_fs. snap: a job without a target. Pruning: a side whose rules cannot all be carried
// over gets none (a missing keep rule would destroy more; no rules destroy nothing).
import { Document, parse as parseYaml, YAMLSeq, isMap } from 'yaml';
import { ZformError } from '../errors.js';
import { parseDuration, parseSize } from '../config/units.js';
import { parseGrid } from '../config/grid.js';

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

type Obj = Record<string, unknown>;
interface SourcedJob { file: string; index: number; job: Obj; name: string; type: string }

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

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
function convertSize(text: unknown): string | null {
  const t = str(text)?.trim();
  if (t === undefined) return null;
  try { parseSize(t); return t; } catch { return null; }
}

class Converter {
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

const SNAPSHOT_FORMATS = ['dense', 'human', 'iso-8601', 'unix-seconds'];

function convertSnapshotting(c: Converter, file: string, path: string, s: unknown): Obj | undefined {
  if (!isObj(s)) return undefined;
  const type = str(s.type);
  if (type === 'manual') return undefined; // zform takes no snapshots either
  if (type === 'cron') {
    c.note(file, `${path}.cron`, `cron "${str(s.cron) ?? ''}": zform takes a snapshot when the newest one is snapshotting.interval old, at each apply; schedule the applies (a systemd timer) and add snapshotting: { prefix: ${str(s.prefix) ?? ''}, interval: ... }`);
    return undefined;
  }
  if (type !== 'periodic') { c.note(file, `${path}.type`, `unknown snapshotting type "${type ?? ''}"`); return undefined; }
  const out: Obj = { prefix: str(s.prefix) };
  const interval = convertDuration(s.interval);
  if (interval === null) { c.note(file, `${path}.interval`, `"${str(s.interval) ?? ''}" is not a duration zform reads; no snapshots are taken until you set one`); return undefined; }
  out.interval = interval;
  const format = str(s.timestamp_format);
  if (format !== undefined && SNAPSHOT_FORMATS.includes(format)) out.timestamp_format = format;
  else if (format !== undefined) c.note(file, `${path}.timestamp_format`, `custom format "${format}": zform writes dense (20060102_150405_000) names after the same prefix`);
  const location = str(s.timestamp_location);
  if (location !== undefined && location.toUpperCase() !== 'UTC') c.note(file, `${path}.timestamp_location`, `"${location}": zform's timestamps are UTC`);
  if (s.hooks !== undefined) c.note(file, `${path}.hooks`, 'snapshot hooks: zform runs none (run them around zform apply, e.g. ExecStartPre= in the systemd unit)');
  c.rest(file, path, s, ['type', 'prefix', 'interval', 'timestamp_format', 'timestamp_location', 'hooks']);
  return out;
}

function convertBandwidth(c: Converter, file: string, path: string, b: unknown): Obj | undefined {
  if (!isObj(b)) return undefined;
  const max = str(b.max)?.trim();
  if (max === undefined || max.startsWith('-')) return undefined; // "-1 B": no limit
  const m = convertSize(max);
  if (m === null) { c.note(file, `${path}.max`, `"${max}" is not a size zform reads: no limit`); return undefined; }
  const out: Obj = { max: m };
  if (b.bucket_capacity !== undefined) {
    const cap = convertSize(b.bucket_capacity);
    if (cap === null) c.note(file, `${path}.bucket_capacity`, `"${str(b.bucket_capacity) ?? ''}" is not a size zform reads (default 128 KiB)`);
    else out.bucket_capacity = cap;
  }
  return out;
}

const SEND_KEYS: [string, string][] = [['encrypted', 'encrypted'], ['raw', 'raw'], ['compressed', 'compressed'], ['large_blocks', 'large_blocks'],
  ['embedded_data', 'embedded_data'], ['send_properties', 'properties'], ['backup_properties', 'backup_properties']];

function convertSend(c: Converter, file: string, path: string, s: unknown): Obj | undefined {
  if (!isObj(s)) return undefined;
  const out: Obj = {};
  for (const [from, to] of SEND_KEYS) if (s[from] !== undefined) out[to] = Boolean(s[from]);
  if (s.saved === true) c.note(file, `${path}.saved`, 'zfs send -S (saved, partial receive state): zform resumes with the target\'s receive_resume_token instead');
  const bw = convertBandwidth(c, file, `${path}.bandwidth_limit`, s.bandwidth_limit);
  if (bw) out.bandwidth_limit = bw;
  c.rest(file, path, s, [...SEND_KEYS.map(([k]) => k), 'saved', 'bandwidth_limit']);
  return Object.keys(out).length > 0 ? out : undefined;
}

function convertRecv(c: Converter, file: string, path: string, r: unknown): Obj | undefined {
  if (!isObj(r)) return undefined;
  const out: Obj = {};
  if (isObj(r.properties)) {
    const p: Obj = {};
    if (isObj(r.properties.override) && Object.keys(r.properties.override).length > 0) {
      p.override = Object.fromEntries(Object.entries(r.properties.override).map(([k, v]) => [k, String(v)]));
    }
    if (Array.isArray(r.properties.inherit) && r.properties.inherit.length > 0) p.inherit = r.properties.inherit.map(String);
    if (Object.keys(p).length > 0) out.properties = p;
    c.rest(file, `${path}.properties`, r.properties, ['override', 'inherit']);
  }
  if (isObj(r.placeholder)) {
    const e = str(r.placeholder.encryption);
    if (e === 'inherit' || e === 'off') out.placeholder = { encryption: e };
    else if (e !== undefined) c.note(file, `${path}.placeholder.encryption`, `"${e}": zform's placeholders inherit encryption (inherit) or are unencrypted (off); the default is inherit`);
  }
  const bw = convertBandwidth(c, file, `${path}.bandwidth_limit`, r.bandwidth_limit);
  if (bw) out.bandwidth_limit = bw;
  c.rest(file, path, r, ['properties', 'placeholder', 'bandwidth_limit']);
  return Object.keys(out).length > 0 ? out : undefined;
}

/** One side's keep rules, all or none: a rule left out would let the others destroy what it kept. */
function convertKeep(c: Converter, file: string, path: string, rules: unknown): Obj[] | undefined {
  if (rules === undefined || rules === null) return undefined;
  if (!Array.isArray(rules)) { c.note(file, path, 'not a list of rules: nothing is pruned on this side'); return undefined; }
  const out: Obj[] = [];
  for (const [i, r] of rules.entries()) {
    const where = `${path}[${i}]`;
    const fail = (why: string) => { c.note(file, where, `${why}: no keep rule of this side is carried over, so zform prunes nothing here until you add them`); return undefined; };
    if (!isObj(r)) return fail('not a rule');
    const type = str(r.type);
    switch (type) {
      case 'not_replicated':
        out.push(r.keep_snapshot_at_cursor === undefined ? { type } : { type, keep_snapshot_at_cursor: Boolean(r.keep_snapshot_at_cursor) });
        break;
      case 'last_n':
        out.push(r.regex === undefined ? { type, count: Number(r.count) } : { type, count: Number(r.count), regex: str(r.regex) });
        break;
      case 'regex':
        out.push(r.negate === undefined ? { type, regex: str(r.regex) } : { type, regex: str(r.regex), negate: Boolean(r.negate) });
        break;
      case 'grid': {
        const grid = str(r.grid);
        try { parseGrid(grid ?? ''); } catch (err) { return fail(`grid "${grid ?? ''}": ${err instanceof Error ? err.message : String(err)}`); }
        out.push({ type, grid, regex: str(r.regex) });
        break;
      }
      default:
        return fail(`unknown rule type "${type ?? ''}"`);
    }
  }
  return out;
}

function convertReplication(c: Converter, file: string, path: string, job: Obj): Obj | undefined {
  const out: Obj = {};
  const r = job.replication;
  if (isObj(r)) {
    if (isObj(r.protection)) {
      const p: Obj = {};
      for (const k of ['initial', 'incremental']) if (r.protection[k] !== undefined) p[k] = str(r.protection[k]);
      if (Object.keys(p).length > 0) out.protection = p;
    }
    if (r.concurrency !== undefined) c.note(file, `${path}.replication.concurrency`, 'zform sends one stream per dataset chain and waves of datasets; it has no concurrency setting');
    c.rest(file, `${path}.replication`, r, ['protection', 'concurrency']);
  }
  const cr = job.conflict_resolution;
  if (isObj(cr)) {
    const initial = str(cr.initial_replication);
    if (initial === 'most_recent' || initial === 'all') out.initial = initial;
    else if (initial === 'fail') c.note(file, `${path}.conflict_resolution.initial_replication`, '"fail": zform\'s first replication sends the newest snapshot in full (most_recent); review it with zform plan');
    c.rest(file, `${path}.conflict_resolution`, cr, ['initial_replication']);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function pruning(c: Converter, file: string, path: string, p: unknown, keys: [string, string][]): Obj | undefined {
  if (!isObj(p)) return undefined;
  const out: Obj = {};
  for (const [from, to] of keys) {
    const rules = convertKeep(c, file, `${path}.pruning.${from}`, p[from]);
    if (rules && rules.length > 0) out[to] = rules;
  }
  c.rest(file, `${path}.pruning`, p, keys.map(([k]) => k));
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The passive job serving an active one: by listener_name (local transport), else the only one of its type. */
function findPassive(active: SourcedJob, passives: SourcedJob[], wanted: 'sink' | 'source'): SourcedJob {
  const connect = isObj(active.job.connect) ? active.job.connect : {};
  const candidates = passives.filter((p) => p.type === wanted);
  const where = `${active.file}: jobs[${active.index}] (${active.type} "${active.name}")`;
  let found: SourcedJob[];
  if (str(connect.type) === 'local') {
    found = candidates.filter((p) => isObj(p.job.serve) && str(p.job.serve.type) === 'local' && str(p.job.serve.listener_name) === str(connect.listener_name));
  } else {
    // over the network the passive side is another host: its config is another file
    found = candidates.filter((p) => p.file !== active.file && !(isObj(p.job.serve) && str(p.job.serve.type) === 'local'));
  }
  if (found.length === 1) return found[0]!;
  if (found.length === 0) {
    const what = wanted === 'sink' ? 'root_fs is' : 'filesystems, snapshotting and send settings are';
    throw new ZformError('config', `${where}: its ${wanted} job is not in the files given (its ${what} there): convert both hosts' zrepl configs together, e.g. zform import zrepl this.yml other-host.yml`);
  }
  throw new ZformError('config', `${where}: ${found.length} ${wanted} jobs could serve it (${found.map((f) => f.name).join(', ')}): convert it together with only the config of the host it connects to`);
}

/** The client identity a push job has on its sink, when the configs tell it. */
function clientIdentity(push: SourcedJob, sink: SourcedJob): string {
  const connect = push.job.connect as Obj;
  const serve = isObj(sink.job.serve) ? sink.job.serve : {};
  if (str(connect.type) === 'local') {
    const id = str(connect.client_identity);
    if (id) return id;
  }
  const ids: string[] = Array.isArray(serve.client_identities) ? serve.client_identities.map(String)
    : Array.isArray(serve.client_cns) ? serve.client_cns.map(String)
      : isObj(serve.clients) ? Object.values(serve.clients).map(String) : [];
  const usable = [...new Set(ids)].filter((i) => !i.includes('*'));
  if (usable.length === 1 && ids.length === usable.length) return usable[0]!;
  throw new ZformError('config', `${push.file}: jobs[${push.index}] (push "${push.name}"): sink job "${sink.name}" serves ${ids.length === 0 ? 'no named client identity' : `the client identities ${ids.join(', ')}`}, so the folder under its root_fs that push "${push.name}" received into is not known: convert with a copy of the sink's config that lists only that client`);
}

export function computeZreplConversion(files: ZreplFile[]): ZreplConversion {
  const c = new Converter();
  const all: SourcedJob[] = [];
  for (const f of files) {
    let doc: unknown;
    try {
      doc = parseYaml(f.text);
    } catch (err) {
      throw new ZformError('config', `${f.file}: not valid YAML: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    }
    if (!isObj(doc) || !Array.isArray(doc.jobs)) throw new ZformError('config', `${f.file}: not a zrepl config (no jobs: list)`);
    if (isObj(doc.global)) {
      for (const k of Object.keys(doc.global)) {
        const why: Record<string, string> = {
          logging: 'zform logs to stderr: --log-format human|logfmt|json, --log-level; journald keeps them under systemd',
          monitoring: 'zform has no listener: zform status --metrics-file FILE (node_exporter textfile collector) or zform status --nagios',
          control: 'zform has no daemon and no control socket',
          serve: 'zform has no daemon and no stdinserver',
        };
        c.note(f.file, `global.${k}`, why[k] ?? 'zform has no equivalent');
      }
    }
    if (doc.include !== undefined) c.note(f.file, 'include', 'included files are not read: give them to zform import zrepl as well');
    c.rest(f.file, '(top level)', doc, ['global', 'jobs', 'include'], 'unknown zrepl key');
    doc.jobs.forEach((j, index) => {
      if (!isObj(j)) throw new ZformError('config', `${f.file}: jobs[${index}]: not a job`);
      all.push({ file: f.file, index, job: j, name: str(j.name) ?? `job${index}`, type: str(j.type) ?? '' });
    });
  }
  const passives = all.filter((j) => j.type === 'sink' || j.type === 'source');
  const used = new Set<SourcedJob>();
  const jobs: Obj[] = [];
  for (const a of all) {
    const path = `jobs[${a.index}]`;
    c.forJob(jobs.length);
    const j = a.job;
    if (a.type === 'push' || a.type === 'pull') {
      const passive = findPassive(a, passives, a.type === 'push' ? 'sink' : 'source');
      used.add(passive);
      const ppath = `jobs[${passive.index}]`;
      const connect = isObj(j.connect) ? j.connect : {};
      const remote = c.host(a.file, `${path}.connect`, connect);
      const out: Obj = { name: a.name };
      if (a.type === 'push') {
        const root = str(passive.job.root_fs);
        if (!root) throw new ZformError('config', `${passive.file}: ${ppath} (sink "${passive.name}"): no root_fs`);
        out.source = { host: 'local', filesystems: j.filesystems };
        out.target = { host: remote, root_fs: `${root}/${clientIdentity(a, passive)}` };
        const snap = convertSnapshotting(c, a.file, `${path}.snapshotting`, j.snapshotting);
        if (snap) out.snapshotting = snap;
        const repl = convertReplication(c, a.file, path, j);
        if (repl) out.replication = repl;
        const send = convertSend(c, a.file, `${path}.send`, j.send);
        if (send) out.send = send;
        const recv = convertRecv(c, passive.file, `${ppath}.recv`, passive.job.recv);
        if (recv) out.recv = recv;
        c.rest(a.file, path, j, ['name', 'type', 'connect', 'filesystems', 'snapshotting', 'replication', 'conflict_resolution', 'send', 'pruning']);
        c.rest(passive.file, ppath, passive.job, ['name', 'type', 'serve', 'root_fs', 'recv'], 'zform has no equivalent on the receiving side');
      } else {
        const root = str(j.root_fs);
        if (!root) throw new ZformError('config', `${a.file}: ${path} (pull "${a.name}"): no root_fs`);
        out.source = { host: remote, filesystems: passive.job.filesystems };
        out.target = { host: 'local', root_fs: root };
        const snap = convertSnapshotting(c, passive.file, `${ppath}.snapshotting`, passive.job.snapshotting);
        if (snap) out.snapshotting = snap;
        const repl = convertReplication(c, a.file, path, j);
        if (repl) out.replication = repl;
        const send = convertSend(c, passive.file, `${ppath}.send`, passive.job.send);
        if (send) out.send = send;
        const recv = convertRecv(c, a.file, `${path}.recv`, j.recv);
        if (recv) out.recv = recv;
        if (j.interval !== undefined) c.note(a.file, `${path}.interval`, `"${str(j.interval) ?? ''}": zform runs when it is run; run zform apply --auto-approve from a timer at that interval (contrib/zform.timer)`);
        c.rest(a.file, path, j, ['name', 'type', 'connect', 'root_fs', 'interval', 'replication', 'conflict_resolution', 'recv', 'pruning']);
        c.rest(passive.file, ppath, passive.job, ['name', 'type', 'serve', 'filesystems', 'snapshotting', 'send'], 'zform has no equivalent on the sending side');
      }
      const p = pruning(c, a.file, path, j.pruning, [['keep_sender', 'keep_source'], ['keep_receiver', 'keep_target']]);
      if (p) out.pruning = p;
      jobs.push(out);
    } else if (a.type === 'snap') {
      const out: Obj = { name: a.name, source: { host: 'local', filesystems: j.filesystems } };
      const snap = convertSnapshotting(c, a.file, `${path}.snapshotting`, j.snapshotting);
      if (snap) out.snapshotting = snap;
      const p = pruning(c, a.file, path, j.pruning, [['keep', 'keep_source']]);
      if (p) out.pruning = p;
      c.rest(a.file, path, j, ['name', 'type', 'filesystems', 'snapshotting', 'pruning']);
      if (!out.snapshotting && !out.pruning) {
        c.note(a.file, path, `snap job "${a.name}" has nothing zform can carry over (no periodic snapshotting, no pruning): left out`);
        continue;
      }
      jobs.push(out);
    } else if (a.type !== 'sink' && a.type !== 'source') {
      c.toTop();
      c.note(a.file, path, `job "${a.name}" of unknown type "${a.type}": left out`);
    }
  }
  c.toTop();
  for (const p of passives) {
    if (!used.has(p)) c.note(p.file, `jobs[${p.index}]`, `${p.type} job "${p.name}" serves a ${p.type === 'sink' ? 'push' : 'pull'} job that is not in the files given: left out (convert it together with that host's config)`);
  }
  if (jobs.length === 0) throw new ZformError('config', `${files.map((f) => f.file).join(', ')}: no zrepl job that zform can carry over (push, pull, snap)`);
  return { yaml: renderConversion(c, jobs, files), jobs: jobs.map((j) => String(j.name)), notes: c.notes };
}

const noteLine = (n: ConversionNote) => ` NOT CARRIED OVER: ${n.where}: ${n.message}`;

function renderConversion(c: Converter, jobs: Obj[], files: ZreplFile[]): string {
  const value: Obj = {};
  if (Object.keys(c.hosts).length > 0) value.hosts = c.hosts;
  value.jobs = jobs;
  const doc = new Document(value);
  const header = [
    ` zform config converted from zrepl (${files.map((f) => f.file).join(', ')}) by zform import zrepl.`,
    ' Check it with zform validate, then zform plan: the first run continues incrementally from the newest',
    ' snapshot both sides have (matched by GUID). zrepl\'s holds (zrepl_STEP_J_*, zrepl_last_received_J_*) and cursor',
    ' bookmarks stay and are not zform\'s: a held snapshot is never pruned; once zrepl is stopped for good,',
    ' remove them with zrepl zfs-abstraction release-all (or zfs release / zfs destroy).',
    ...c.topNotes.map(noteLine),
  ];
  doc.commentBefore = header.join('\n');
  const seq = doc.get('jobs', true) as YAMLSeq;
  seq.items.forEach((item, i) => {
    const notes = c.jobNotes.get(i) ?? [];
    if (notes.length > 0 && isMap(item)) item.commentBefore = notes.map(noteLine).join('\n');
  });
  return doc.toString({ lineWidth: 0, defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' });
}
