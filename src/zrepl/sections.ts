// zrepl's job sections (snapshotting, send, recv, replication, pruning) as zform's, noting what cannot be carried over.
import { convertDuration, convertSize, isObj, str, type Converter, type Obj } from './converter.js';
import { parseGrid } from '../config/grid.js';

const SNAPSHOT_FORMATS = ['dense', 'human', 'iso-8601', 'unix-seconds'];

export function convertSnapshotting(c: Converter, file: string, path: string, s: unknown): Obj | undefined {
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

export function convertSend(c: Converter, file: string, path: string, s: unknown): Obj | undefined {
  if (!isObj(s)) return undefined;
  const out: Obj = {};
  for (const [from, to] of SEND_KEYS) if (s[from] !== undefined) out[to] = Boolean(s[from]);
  if (s.saved === true) c.note(file, `${path}.saved`, 'zfs send -S (saved, partial receive state): zform resumes with the target\'s receive_resume_token instead');
  const bw = convertBandwidth(c, file, `${path}.bandwidth_limit`, s.bandwidth_limit);
  if (bw) out.bandwidth_limit = bw;
  c.rest(file, path, s, [...SEND_KEYS.map(([k]) => k), 'saved', 'bandwidth_limit']);
  return Object.keys(out).length > 0 ? out : undefined;
}

export function convertRecv(c: Converter, file: string, path: string, r: unknown): Obj | undefined {
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

export function convertReplication(c: Converter, file: string, path: string, job: Obj): Obj | undefined {
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

export function convertPruning(c: Converter, file: string, path: string, p: unknown, keys: [string, string][]): Obj | undefined {
  if (!isObj(p)) return undefined;
  const out: Obj = {};
  for (const [from, to] of keys) {
    const rules = convertKeep(c, file, `${path}.pruning.${from}`, p[from]);
    if (rules && rules.length > 0) out[to] = rules;
  }
  c.rest(file, `${path}.pruning`, p, keys.map(([k]) => k));
  return Object.keys(out).length > 0 ? out : undefined;
}

