// A small inventory language for planner tests, config builders, and a compact text form of plan actions.
//
//   listing(`
//     tank/a  written=2M  @s1:g1  @s2:g2[w=3M,hold=keep+zform_STEP_J_j]  #b1:g1
//     tank/b  placeholder  token=T1  enc=aes-256-gcm  key=unavailable
//   `)
//
// One dataset per line: its name, then dataset options (key=value or flags) and versions in createtxg
// order. `@name` is a snapshot, `#name` a bookmark; `:gN` gives the GUID label (the same label on both
// sides = the same GUID, so the sides match); without one the GUID is derived from the full name.
// Version options in [...]: txg=N (default: 10, 20, 30... in order of appearance in the listing; a
// bookmark with the label of an earlier snapshot of its dataset shares that snapshot's txg), w=SIZE
// (`written`, default 1M), c=ISO (creation, default 2026-01-01T00:00Z + txg minutes), hold=tag+tag, clones=N (numclones, default 0).
// Dataset options: written=SIZE (default 0), guid=gN, token=TEXT, enc=CIPHER, key=available|unavailable,
// placeholder, volume. Sizes: plain bytes or K/M/G (binary).
import { createHash } from 'node:crypto';
import type { Config, JobConfig } from '../../src/config/types.js';
import type { DatasetRecord, HoldRecord, Listing, ResumeTokenInfo, VersionRecord } from '../../src/zfs/types.js';
import type { Action, Plan, VersionRef } from '../../src/plan/types.js';
import type { DecodedResumeToken } from '../../src/plan/input.js';
import { computePlan } from '../../src/plan/compute.js';
import { guidHex, makeCursorName, makeTentativeCursorName, parseBookmarkName } from '../../src/zfs/names.js';

const LABEL_BASE = 10n ** 19n; // GUIDs above 2^53: they must stay strings

/** The fixed GUID of a label like "g7" (both sides share it). */
export function G(label: string): string {
  const m = /^g(\d+)$/.exec(label);
  if (!m) throw new Error(`GUID labels look like g1, g2...: "${label}"`);
  return (LABEL_BASE + BigInt(m[1]!)).toString();
}

/** The label of a GUID made by G, else the GUID itself. */
export function labelOf(guid: string | null): string {
  if (guid === null) return '?';
  const n = BigInt(guid) - LABEL_BASE;
  return n >= 0n && n < 100000n ? `g${n}` : guid;
}

function derivedGuid(fullName: string): string {
  const h = createHash('sha256').update(fullName).digest();
  return (h.readBigUInt64BE(0) >> 1n).toString();
}

export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMG]?)$/.exec(text);
  if (!m) throw new Error(`bad size "${text}"`);
  const mult = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2] as '' | 'K' | 'M' | 'G'];
  return Math.round(Number(m[1]) * mult);
}

export const BASE_TIME = Date.UTC(2026, 0, 1) / 1000;

/** Cursor and tentative cursor bookmark names (default job "j"). */
export function cur(label: string, job = 'j'): string { return makeCursorName(G(label), job); }
export function tent(label: string, job = 'j'): string { return makeTentativeCursorName(G(label), job); }

export function listing(text: string): Listing {
  const datasets: DatasetRecord[] = [];
  const versions: VersionRecord[] = [];
  const holds: HoldRecord[] = [];
  let txg = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('//')) continue;
    const [name, ...tokens] = line.split(/\s+/) as [string, ...string[]];
    const ds: DatasetRecord = {
      name, type: 'filesystem', guid: derivedGuid(name), createtxg: ++txg, encryption: 'off', encryptionRoot: null,
      keyStatus: null, resumeToken: null, origin: null, placeholder: false, written: 0,
    };
    const snapTxg = new Map<string, number>();
    for (const tok of tokens) {
      const v = /^([@#])([^[\]]+?)(?::(g\d+))?(?:\[(.*)\])?$/.exec(tok);
      if (v) {
        const kind = v[1] === '@' ? 'snapshot' : 'bookmark';
        const vname = v[2]!;
        const label = v[3];
        const opts = new Map<string, string>();
        for (const o of (v[4] ?? '').split(',').filter(Boolean)) {
          const [k, val] = o.split('=') as [string, string];
          opts.set(k, val);
        }
        let t: number;
        if (opts.has('txg')) t = Number(opts.get('txg'));
        else if (kind === 'bookmark' && label && snapTxg.has(label)) t = snapTxg.get(label)!;
        else t = (txg += 10);
        txg = Math.max(txg, t);
        if (kind === 'snapshot' && label) snapTxg.set(label, t);
        const tags = opts.get('hold')?.split('+').filter(Boolean) ?? [];
        for (const tag of tags) holds.push({ snapshot: `${name}@${vname}`, tag });
        versions.push({
          kind, dataset: name, name: vname,
          guid: label ? G(label) : derivedGuid(`${name}${v[1]}${vname}`),
          createtxg: t,
          creation: opts.has('c') ? Date.parse(opts.get('c')!) / 1000 : BASE_TIME + t * 60,
          userrefs: kind === 'snapshot' ? tags.length : 0,
          written: kind === 'snapshot' ? parseSize(opts.get('w') ?? '1M') : 0,
          clones: kind === 'snapshot' ? Number(opts.get('clones') ?? 0) : 0,
        });
        continue;
      }
      const [k, val] = tok.split('=') as [string, string | undefined];
      switch (k) {
        case 'written': ds.written = parseSize(val!); break;
        case 'guid': ds.guid = G(val!); break;
        case 'token': ds.resumeToken = val!; break;
        case 'origin': ds.origin = val!; break;
        case 'enc': ds.encryption = val!; ds.encryptionRoot = name; ds.keyStatus = 'available'; break;
        case 'key': ds.keyStatus = val as 'available' | 'unavailable'; break;
        case 'placeholder': ds.placeholder = true; break;
        case 'volume': ds.type = 'volume'; break;
        default: throw new Error(`unknown token "${tok}" in line "${line}"`);
      }
    }
    datasets.push(ds);
  }
  const order = (a: VersionRecord, b: VersionRecord) => a.dataset < b.dataset ? -1 : a.dataset > b.dataset ? 1 : a.createtxg - b.createtxg || (a.kind === b.kind ? 0 : a.kind === 'bookmark' ? -1 : 1);
  return { datasets, versions: versions.sort(order), holds };
}

export type JobOverrides = {
  name?: string;
  sourceHost?: string;
  filesystems?: Record<string, boolean>;
  target?: { host?: string; rootFs?: string } | null;
  snapshotting?: JobConfig['snapshotting'];
  replication?: Partial<Omit<JobConfig['replication'], 'protection'>> & { protection?: Partial<JobConfig['replication']['protection']> };
  send?: Partial<JobConfig['send']>;
  recv?: Partial<JobConfig['recv']>;
  pruning?: Partial<JobConfig['pruning']>;
};

/** A job "j" replicating tank< from local to backup on local, guarantee_resumability, most_recent. */
export function job(o: JobOverrides = {}): JobConfig {
  const protection = { initial: 'guarantee_resumability' as const, incremental: 'guarantee_resumability' as const, ...o.replication?.protection };
  const { protection: _p, ...replicationRest } = o.replication ?? {};
  void _p;
  return {
    name: o.name ?? 'j',
    source: { host: o.sourceHost ?? 'local', filesystems: o.filesystems ?? { 'tank<': true } },
    ...(o.target === null ? {} : { target: { host: o.target?.host ?? 'local', rootFs: o.target?.rootFs ?? 'backup' } }),
    ...(o.snapshotting ? { snapshotting: o.snapshotting } : {}),
    replication: { initial: 'most_recent', allowRollback: false, followRenames: false, clones: true, concurrency: 1, ...replicationRest, protection },
    send: { encrypted: false, raw: false, compressed: false, largeBlocks: false, embeddedData: false, properties: false, backupProperties: false, ...o.send },
    recv: { properties: { override: {}, inherit: [] }, placeholder: { encryption: 'inherit' }, ...o.recv },
    pruning: { keepSource: [], keepTarget: [], ...o.pruning },
  };
}

export function config(jobs: JobConfig[]): Config {
  return { file: '/etc/zform/zform.yml', digest: 'd'.repeat(64), hosts: { local: { name: 'local', privilege: [] }, nas: { name: 'nas', privilege: [] } }, jobs };
}

export const NOW = new Date('2026-03-01T12:00:00.000Z');

export interface Scenario {
  job?: JobConfig;
  jobs?: { job: JobConfig; src: string; dst?: string | null }[];
  src?: string;
  dst?: string | null;
  tokens?: Record<string, DecodedResumeToken>;
  now?: Date;
  allowRollback?: boolean;
  /** PlanInput.fingerprints (default true) */
  fingerprints?: boolean;
}

/** Plans a scenario: one job (default job()) with source and target listings in the DSL. */
export function plan(s: Scenario): Plan {
  const entries = s.jobs ?? [{ job: s.job ?? job(), src: s.src ?? '', dst: s.dst }];
  const inventories: Record<string, { source: Listing; target: Listing | null }> = {};
  for (const e of entries) {
    inventories[e.job.name] = { source: listing(e.src), target: e.job.target ? listing(e.dst ?? '') : null };
  }
  return computePlan({
    config: config(entries.map((e) => e.job)), jobs: entries.map((e) => e.job.name), inventories,
    resumeTokens: s.tokens ?? {}, now: s.now ?? NOW, zformVersion: '0.1.0', allowRollback: s.allowRollback ?? false,
    ...(s.fingerprints !== undefined ? { fingerprints: s.fingerprints } : {}),
  });
}

export function token(info: Partial<ResumeTokenInfo> & { toname: string; toguid: string }): ResumeTokenInfo {
  return { rawok: false, compressok: false, embedok: false, largeblockok: false, ...info };
}

// ---- compact text of actions, for table tests ----

function bm(name: string): string {
  const p = parseBookmarkName(name);
  if (!p) return `#${name}`;
  const g = labelOf(p.guid);
  return `#${p.type === 'cursor' ? 'cursor' : 'tentative'}(${g}${p.job === 'j' ? '' : ',' + p.job})`;
}
function short(r: VersionRef): string { return r.kind === 'snapshot' ? `@${r.name}` : bm(r.name); }
function full(r: VersionRef): string { return r.dataset + short(r); }
function list(refs: VersionRef[]): string {
  if (refs.length === 0) return '';
  return full(refs[0]!) + refs.slice(1).map((r) => (r.dataset === refs[0]!.dataset ? ',' + short(r) : ',' + full(r))).join('');
}
function host(a: { host: string }, s: string): string { return a.host === 'local' ? s : `${a.host}:${s}`; }

/** One line per action, e.g. "send -I tank/a@s1 -> @s3 [s2,s3]", "hold step tank/a@s1,@s2". */
export function describe(a: Action): string {
  switch (a.kind) {
    case 'snapshot': return host(a, `snapshot ${a.snapshots.join(' ')}`);
    case 'create_placeholder': return host(a, `placeholder ${a.dataset}${a.encryption === 'off' ? ' encryption=off' : ''}`);
    case 'abort_resume': return host(a, `abort ${a.dataset}: ${a.reason}`);
    case 'rollback': return host(a, `rollback ${full(a.to)}${a.destroys.length ? ' destroys ' + a.destroys.map(short).join(',') : ''}`);
    case 'hold': return host(a, `hold ${a.role} ${list(a.snapshots)}`);
    case 'release': return host(a, `release ${a.role} ${list(a.snapshots)}`);
    case 'bookmark': return host(a, `bookmark ${a.role === 'cursor' ? 'cursor' : 'tentative'} ${full(a.snapshot)}${a.bookmark === null ? ' (name after apply)' : ''}`);
    case 'destroy_bookmarks': {
      const parts = [list(a.bookmarks), ...(a.derived ?? []).map((d) => `${d.role === 'cursor' ? 'cursor' : 'tentative'}-of-${full(d.snapshot)}`)].filter(Boolean);
      return host(a, `destroy ${parts.join(' ')}`);
    }
    case 'destroy_snapshots': return host(a, `destroy ${list(a.snapshots.map((s) => s.ref))}`);
    case 'rename_dataset': return host(a, `rename ${a.dataset} -> ${a.to}`);
    case 'destroy_dataset': return host(a, `destroy dataset ${a.dataset}${a.destroys.length ? ' with ' + list(a.destroys) : ''}`);
    case 'send': {
      const force = a.receive.force ? ' -F' : '';
      const tgt = a.targetHost === a.host ? '' : ` => ${a.targetHost}`;
      if (a.mode === 'resume') return `send resume ${a.from ? full(a.from) + ' -> ' + short(a.to) : full(a.to)}${force}${tgt}`;
      if (a.mode === 'full') return `send full ${full(a.to)}${force}${tgt}`;
      const inc = a.intermediates ? ` [${a.includes.map((r) => r.name).join(',')}]` : '';
      return `send ${a.intermediates ? '-I' : '-i'} ${full(a.from!)} -> ${short(a.to)}${inc}${tgt}`;
    }
  }
}

/** The compact lines of one dataset's chain (by source name), or of the snapshot batches ("snapshots"). */
export function lines(p: Plan, dataset: string, jobName?: string): string[] {
  const jp = jobName ? p.jobs.find((j) => j.job === jobName)! : p.jobs[0]!;
  if (dataset === 'snapshots') return jp.snapshots.map(describe);
  const d = jp.datasets.find((x) => x.source === dataset);
  if (!d) throw new Error(`no dataset plan for "${dataset}" (have: ${jp.datasets.map((x) => JSON.stringify(x.source)).join(', ')})`);
  return d.actions.map(describe);
}

export function dsPlan(p: Plan, dataset: string, jobName?: string) {
  const jp = jobName ? p.jobs.find((j) => j.job === jobName)! : p.jobs[0]!;
  const d = jp.datasets.find((x) => x.source === dataset);
  if (!d) throw new Error(`no dataset plan for "${dataset}"`);
  return d;
}

/** Every action of the dataset of one kind. */
export function actionsOf<K extends Action['kind']>(p: Plan, dataset: string, kind: K): Extract<Action, { kind: K }>[] {
  return dsPlan(p, dataset).actions.filter((a): a is Extract<Action, { kind: K }> => a.kind === kind);
}

export { guidHex };
