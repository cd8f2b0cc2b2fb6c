// The fake's pools, datasets, snapshots, bookmarks, holds and partial receives, with OpenZFS 2.1's rules over them.
// Synchronous and free of I/O; a rule that fails throws a FakeFailure carrying the stderr and exit code real `zfs`
// gives (as captured in the guest), which the fake executor (executor.ts) prints as the command's own.
import { randomBytes } from 'node:crypto';
import type { DatasetRecord, Guid, HoldRecord, Listing, ResumeTokenInfo, SendArgs, SendFlags, VersionRecord } from '../../../src/zfs/types.js';
import { datasetNamecheck, entityNamecheck } from '../../../src/zfs/names.js';
import { computeSortedVersions } from '../../../src/zfs/parse.js';
import { parseFakeToken, renderFakeToken, type FakeStreamHeader, type FakeTokenFields } from './stream.js';

/** A failed fake command: what `zfs` would print on stderr, and its exit code. */
export class FakeFailure extends Error {
  constructor(readonly stderr: string, readonly exitCode = 1) {
    super(stderr);
    this.name = 'FakeFailure';
  }
}

function fail(stderr: string, exitCode = 1): never {
  throw new FakeFailure(stderr, exitCode);
}

/** Bytes a new, empty filesystem references (OpenZFS 2.1: `written` of a fresh filesystem is 24576). */
export const EMPTY_FILESYSTEM_BYTES = 24576;

/** A snapshot as a clone's origin: its dataset's GUID and its own, which stay as they are through renames (a GUID
 *  alone does not tell a snapshot from its replica, which may be in the same pool). */
export function originKey(d: FakeDataset, s: FakeSnapshot): string {
  return `${d.guid}@${s.guid}`;
}

/** A random uint64 GUID as a decimal string (never 0). */
export function makeGuid(): Guid {
  let v = 0n;
  while (v === 0n) v = randomBytes(8).readBigUInt64BE();
  return v.toString(10);
}

export interface FakeSnapshot {
  name: string;
  guid: Guid;
  createtxg: number;
  creation: number;
  /** bytes the dataset referenced when the snapshot was taken; `written` is the difference to the previous one */
  referenced: number;
  /** tag → unix seconds */
  holds: Map<string, number>;
  /** arrived by `zfs receive` (a receive rewrites the head: it counts as a modification for later incrementals) */
  received: boolean;
}

export interface FakeBookmark {
  name: string;
  guid: Guid;
  createtxg: number;
  creation: number;
  referenced: number;
}

export interface FakePartial {
  /** the substream being received, as first sent (offset 0) */
  header: FakeStreamHeader;
  /** payload bytes received so far */
  bytes: number;
  /** what completing it does: create the dataset (`new`, the dataset is listed meanwhile, with the token),
   *  replace an empty one (`replace`, -F) or add a snapshot (`incremental`, a hidden `%recv` clone) */
  mode: 'new' | 'replace' | 'incremental';
  /** the snapshot the hidden %recv clone hangs off (cannot be destroyed meanwhile) */
  origin: Guid | null;
  token: string;
}

export interface FakeDataset {
  name: string;
  type: 'filesystem' | 'volume';
  guid: Guid;
  createtxg: number;
  creation: number;
  /** bytes the head references; `written` = referenced - newest snapshot's referenced */
  referenced: number;
  /** properties set locally */
  props: Map<string, string>;
  encryption: string;
  encryptionRoot: string | null;
  /** encryption roots only */
  keyLoaded: boolean;
  /** in createtxg order */
  snapshots: FakeSnapshot[];
  bookmarks: FakeBookmark[];
  partial: FakePartial | null;
  /** a partially received new dataset (full receive -s cut) */
  inconsistent: boolean;
  /** a clone's origin (`zfs clone`): originKey of the snapshot it was cloned from, else absent */
  origin?: string;
}

interface ParsedName { dataset: string; sep: '@' | '#' | null; short: string }

function splitName(name: string): ParsedName {
  const at = name.indexOf('@');
  const hash = name.indexOf('#');
  const i = at >= 0 ? at : hash;
  if (i < 0) return { dataset: name, sep: null, short: '' };
  return { dataset: name.slice(0, i), sep: name[i] as '@' | '#', short: name.slice(i + 1) };
}

function poolOf(name: string): string {
  return name.split(/[/@#]/)[0]!;
}

function parentOf(name: string): string | null {
  const i = name.lastIndexOf('/');
  return i < 0 ? null : name.slice(0, i);
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const CIPHERS = new Set(['aes-128-ccm', 'aes-192-ccm', 'aes-256-ccm', 'aes-128-gcm', 'aes-192-gcm', 'aes-256-gcm']);
const READONLY_PROPS = new Set([
  'name', 'type', 'guid', 'createtxg', 'creation', 'written', 'referenced', 'used', 'encryption', 'encryptionroot',
  'keystatus', 'receive_resume_token', 'userrefs', 'inconsistent', 'origin',
]);
const NOT_INHERITED = new Set(['canmount', 'volsize', 'keyformat', 'keylocation', 'pbkdf2iters']);
const NATIVE_DEFAULTS: Record<string, string> = {
  canmount: 'on', readonly: 'off', compression: 'off', atime: 'on', recordsize: '131072', sync: 'standard',
  keyformat: 'none', keylocation: 'none', quota: '0', refquota: '0', reservation: '0', refreservation: '0',
  copies: '1', checksum: 'on', dedup: 'off', snapdir: 'hidden', xattr: 'on', exec: 'on', setuid: 'on', devices: 'on',
};
const SNAPSHOT_USAGE = 'usage:\n\tsnapshot [-r] [-o property=value] ... <filesystem|volume>@<snap> ...\n';
const BOOKMARK_USAGE = 'usage:\n\tbookmark <snapshot|bookmark> <newbookmark>\n';

/** What a receive does with one substream, decided when its header arrives. */
export interface FakePending {
  target: string;
  header: FakeStreamHeader;
  mode: 'new' | 'replace' | 'incremental' | 'skip' | 'resume';
  override: Record<string, string>;
  force: boolean;
  /** incremental: the target's snapshot matching fromguid */
  fromGuid?: Guid;
  /** new: the dataset is a clone of this snapshot (originKey) */
  cloneOf?: string;
}

export class FakeState {
  readonly pools = new Map<string, { txg: number }>();
  readonly datasets = new Map<string, FakeDataset>();

  constructor(private nowSeconds: () => number) {}

  /** Another process' view of the same pools keeps the pools but reads its own clock. */
  setClock(nowSeconds: () => number): void {
    this.nowSeconds = nowSeconds;
  }

  /** An independent copy (pools, datasets, snapshots, holds, partial receives). */
  clone(): FakeState {
    const c = new FakeState(this.nowSeconds);
    for (const [k, v] of this.pools) c.pools.set(k, { ...v });
    for (const [k, d] of this.datasets) c.datasets.set(k, structuredClone(d));
    return c;
  }

  // ---- lookups ----

  private nextTxg(name: string): number {
    const p = this.pools.get(poolOf(name));
    if (!p) throw new Error(`fake: no pool for ${name}`);
    return ++p.txg;
  }

  dataset(name: string): FakeDataset | undefined {
    return this.datasets.get(name);
  }

  keyAvailable(d: FakeDataset): boolean {
    if (d.encryption === 'off' || d.encryptionRoot === null) return true;
    return this.datasets.get(d.encryptionRoot)?.keyLoaded ?? false;
  }

  private newest(d: FakeDataset): FakeSnapshot | null {
    return d.snapshots[d.snapshots.length - 1] ?? null;
  }

  /** `written` of the head: bytes since the newest snapshot. */
  datasetWritten(d: FakeDataset): number {
    return Math.max(0, d.referenced - (this.newest(d)?.referenced ?? this.originReferenced(d)));
  }

  snapshotWritten(d: FakeDataset, i: number): number {
    const s = d.snapshots[i]!;
    return Math.max(0, s.referenced - (i > 0 ? d.snapshots[i - 1]!.referenced : this.originReferenced(d)));
  }

  /** What a clone's origin snapshot references (a clone's `written` counts from there, as in OpenZFS), else 0. */
  private originReferenced(d: FakeDataset): number {
    return this.originOf(d)?.snapshot.referenced ?? 0;
  }

  /** Full name → GUID of a dataset, snapshot or bookmark (undefined when absent). */
  guidOf(name: string): Guid | undefined {
    const n = splitName(name);
    const d = this.datasets.get(n.dataset);
    if (!d) return undefined;
    if (n.sep === null) return d.guid;
    if (n.sep === '@') return d.snapshots.find((s) => s.name === n.short)?.guid;
    return d.bookmarks.find((b) => b.name === n.short)?.guid;
  }

  // ---- pools, datasets, properties ----

  createPool(name: string): void {
    const why = datasetNamecheck(name);
    if (why !== null || name.includes('/')) throw new Error(`fake: invalid pool name '${name}'`);
    if (this.pools.has(name)) fail(`cannot create '${name}': pool already exists`);
    this.pools.set(name, { txg: 1 });
    this.datasets.set(name, this.makeDataset(name, 'filesystem', 1, EMPTY_FILESYSTEM_BYTES));
  }

  private makeDataset(name: string, type: 'filesystem' | 'volume', txg: number, referenced: number): FakeDataset {
    return {
      name, type, guid: makeGuid(), createtxg: txg, creation: this.nowSeconds(), referenced, props: new Map(),
      encryption: 'off', encryptionRoot: null, keyLoaded: false, snapshots: [], bookmarks: [], partial: null, inconsistent: false,
    };
  }

  /** `zfs create [-V size] -o p=v ... name`. */
  create(name: string, props: Record<string, string>, volsize?: number): void {
    const why = datasetNamecheck(name);
    if (why !== null) fail(`cannot create '${name}': ${why}`);
    if (!this.pools.has(poolOf(name))) fail(`cannot create '${name}': no such pool '${poolOf(name)}'`);
    if (this.datasets.has(name)) fail(`cannot create '${name}': dataset already exists`);
    const parentName = parentOf(name);
    const parent = parentName === null ? undefined : this.datasets.get(parentName);
    if (!parent) fail(`cannot create '${name}': parent does not exist`);
    const d = this.makeDataset(name, volsize === undefined ? 'filesystem' : 'volume', 0, volsize === undefined ? EMPTY_FILESYSTEM_BYTES : 0);
    const enc = props.encryption;
    if (enc !== undefined && enc !== 'off') {
      const cipher = enc === 'on' ? 'aes-256-gcm' : enc;
      if (!CIPHERS.has(cipher)) fail(`cannot create '${name}': 'encryption' must be one of 'on | off | aes-128-ccm | aes-192-ccm | aes-256-ccm | aes-128-gcm | aes-192-gcm | aes-256-gcm'`);
      if (props.keyformat !== undefined) {
        d.encryption = cipher;
        d.encryptionRoot = name;
        d.keyLoaded = true;
      } else if (parent.encryption !== 'off') {
        d.encryption = cipher;
        d.encryptionRoot = parent.encryptionRoot;
      } else {
        fail(`cannot create '${name}': Keyformat required for new encryption root.`);
      }
    } else if (enc === undefined && parent.encryption !== 'off') {
      d.encryption = parent.encryption;
      d.encryptionRoot = parent.encryptionRoot;
    }
    if (d.encryption !== 'off' && d.encryptionRoot !== name && !this.keyAvailable(d)) {
      fail(`cannot create '${name}': encryption root's key is not loaded or provided`);
    }
    for (const [k, v] of Object.entries(props)) if (k !== 'encryption') d.props.set(k, v);
    if (volsize !== undefined) d.props.set('volsize', String(volsize));
    d.createtxg = this.nextTxg(name);
    this.datasets.set(name, d);
  }

  /** The clones of every snapshot that has any (`clones`, in name order), by originKey: one pass over the datasets. */
  clonesByOrigin(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const x of [...this.datasets.values()].sort((a, b) => byName(a.name, b.name))) {
      if (x.origin !== undefined) out.set(x.origin, [...(out.get(x.origin) ?? []), x.name]);
    }
    return out;
  }

  /** A clone's origin snapshot and its dataset, else null. */
  originOf(d: FakeDataset): { dataset: FakeDataset; snapshot: FakeSnapshot } | null {
    if (d.origin === undefined) return null;
    for (const x of this.datasets.values()) for (const s of x.snapshots) if (originKey(x, s) === d.origin) return { dataset: x, snapshot: s };
    return null;
  }

  /** A clone's `origin` property: its origin snapshot's full name as it is now (renames follow), else null. */
  originName(d: FakeDataset): string | null {
    const o = this.originOf(d);
    return o === null ? null : `${o.dataset.name}@${o.snapshot.name}`;
  }

  /** `zfs clone SNAPSHOT FILESYSTEM`: a filesystem (or volume) whose head is the snapshot's state, in the same pool. */
  cloneSnapshot(snapshot: string, name: string): void {
    const n = splitName(snapshot);
    const from = this.datasets.get(n.dataset);
    const s = n.sep === '@' ? from?.snapshots.find((x) => x.name === n.short) : undefined;
    if (!from || !s) fail(`cannot open '${snapshot}': dataset does not exist`);
    const why = datasetNamecheck(name);
    if (why !== null) fail(`cannot create '${name}': ${why}`);
    if (poolOf(name) !== poolOf(n.dataset)) fail(`cannot create '${name}': source and target pools differ`);
    if (this.datasets.has(name)) fail(`cannot create '${name}': dataset already exists`);
    const parentName = parentOf(name);
    if (parentName === null || !this.datasets.has(parentName)) fail(`cannot create '${name}': parent does not exist`);
    const d = this.makeDataset(name, from.type, this.nextTxg(name), s.referenced);
    d.encryption = from.encryption;
    d.encryptionRoot = from.encryptionRoot;
    d.origin = originKey(from, s);
    this.datasets.set(name, d);
  }

  /** "use '-R'" lists of the clones of the snapshots of these datasets (all, or `snaps` of one) outside `except`
   *  (the datasets destroyed with them). */
  private dependentClones(datasets: FakeDataset[], snaps?: FakeSnapshot[], except: (name: string) => boolean = () => false): string[] {
    const clones = this.clonesByOrigin();
    return datasets.flatMap((d) => (snaps ?? d.snapshots).flatMap((s) => clones.get(originKey(d, s)) ?? [])).filter((c) => !except(c));
  }

  /** `zfs destroy [-r] name`: without -r it fails while the dataset has snapshots or children (bookmarks go with it). */
  destroyDataset(name: string, recursive: boolean): void {
    const d = this.datasets.get(name);
    if (!d) fail(`cannot open '${name}': dataset does not exist`);
    const kids = [...this.datasets.keys()].filter((n) => n.startsWith(name + '/'));
    if (!recursive && (kids.length > 0 || d.snapshots.length > 0)) {
      fail(`cannot destroy '${name}': filesystem has children\nuse '-r' to destroy the following datasets:\n${[...kids, ...d.snapshots.map((s) => `${name}@${s.name}`)].join('\n')}`);
    }
    const inside = (c: string) => c === name || c.startsWith(name + '/');
    const clones = this.dependentClones([d, ...kids.map((k) => this.datasets.get(k)!)], undefined, inside);
    if (clones.length > 0) fail(`cannot destroy '${name}': filesystem has dependent clones\nuse '-R' to destroy the following datasets:\n${clones.join('\n')}`);
    if (d.snapshots.some((s) => s.holds.size > 0)) fail(`cannot destroy '${name}': dataset is busy`);
    for (const k of kids) this.datasets.delete(k);
    this.datasets.delete(name);
    if (parentOf(name) === null) this.pools.delete(name);
  }

  /** `zfs rename from to` of a filesystem or volume, as libzfs checks it: within its pool, never below itself, into
   *  an existing parent, to a name not taken; its descendants, snapshots, bookmarks and holds move with it (GUIDs
   *  kept). An encrypted dataset that is not an encryption root stays under its encryption root. */
  rename(from: string, to: string): void {
    const d = this.datasets.get(from);
    if (!d) fail(`cannot open '${from}': dataset does not exist`);
    if (parentOf(from) === null) fail(`cannot rename '${from}': operation does not apply to pools`);
    const why = datasetNamecheck(to);
    if (why !== null) fail(`cannot rename to '${to}': ${why}`);
    if (poolOf(to) !== poolOf(from) || !to.includes('/')) fail(`cannot rename to '${to}': datasets must be within same pool`);
    if (to.startsWith(from + '/')) fail(`cannot rename to '${to}': New dataset name cannot be a descendant of current dataset name`);
    if (!this.datasets.has(parentOf(to)!)) fail(`cannot rename to '${to}': parent does not exist`);
    if (this.datasets.has(to)) fail(`cannot rename to '${to}': dataset already exists`);
    const newParent = this.datasets.get(parentOf(to)!)!;
    if (d.encryption !== 'off' && d.encryptionRoot !== from && newParent.encryptionRoot !== d.encryptionRoot) {
      fail(`cannot rename to '${to}': cannot move encrypted child outside of its encryption root`);
    }
    const move = (n: string | null) => (n !== null && (n === from || n.startsWith(from + '/')) ? to + n.slice(from.length) : n);
    const moved = [...this.datasets.values()].filter((x) => x.name === from || x.name.startsWith(from + '/'));
    for (const x of moved) this.datasets.delete(x.name);
    for (const x of moved) { x.name = move(x.name)!; this.datasets.set(x.name, x); }
    for (const x of this.datasets.values()) x.encryptionRoot = move(x.encryptionRoot);
  }

  /** Adds incompressible data to a filesystem or volume (what a test's `dd` does). */
  write(name: string, bytes: number): void {
    const d = this.datasets.get(name);
    if (!d) fail(`cannot open '${name}': dataset does not exist`);
    if (d.inconsistent) fail(`cannot write to '${name}': dataset is busy`);
    if (!this.keyAvailable(d)) fail(`cannot mount '${name}': encryption key not loaded`);
    d.referenced += bytes;
  }

  setKeyLoaded(name: string, loaded: boolean): void {
    const d = this.datasets.get(name);
    if (!d) fail(`cannot open '${name}': dataset does not exist`);
    if (d.encryptionRoot === null) fail(`Key load error: Dataset '${name}' is not encrypted.`);
    if (d.encryptionRoot !== name) fail(`Keys must be ${loaded ? 'loaded' : 'unloaded'} for encryption root of '${name}' (${d.encryptionRoot}).`);
    d.keyLoaded = loaded;
  }

  /** `zfs get -H -p -o property,value p1,p2 name`: values as printed ("-" for an unset user property). */
  get(name: string, props: string[]): Record<string, string> {
    const n = splitName(name);
    const d = this.datasets.get(n.dataset);
    if (!d) fail(`cannot open '${name}': dataset does not exist`);
    const out: Record<string, string> = {};
    if (n.sep === '@') {
      const i = d.snapshots.findIndex((s) => s.name === n.short);
      if (i < 0) fail(`cannot open '${name}': dataset does not exist`);
      const s = d.snapshots[i]!;
      for (const p of props) {
        const v = ({ name, type: 'snapshot', guid: s.guid, createtxg: String(s.createtxg), creation: String(s.creation),
          written: String(this.snapshotWritten(d, i)), referenced: String(s.referenced), userrefs: String(s.holds.size),
          used: '0', encryption: d.encryption, encryptionroot: d.encryptionRoot ?? '-' } as Record<string, string>)[p];
        out[p] = v ?? this.inheritedValue(d, p);
      }
      return out;
    }
    if (n.sep === '#') {
      const b = d.bookmarks.find((x) => x.name === n.short);
      if (!b) fail(`cannot open '${name}': no such pool or dataset`);
      for (const p of props) {
        const v = ({ name, type: 'bookmark', guid: b.guid, createtxg: String(b.createtxg), creation: String(b.creation) } as Record<string, string>)[p];
        if (v === undefined && !p.includes(':')) fail(`bad property list: invalid property '${p}'`, 2);
        out[p] = v ?? '-';
      }
      return out;
    }
    const enc = d.encryption !== 'off';
    for (const p of props) {
      const native: Record<string, string> = {
        name, type: d.type, guid: d.guid, createtxg: String(d.createtxg), creation: String(d.creation),
        written: String(this.datasetWritten(d)), referenced: String(d.referenced), used: String(d.referenced),
        encryption: d.encryption, encryptionroot: d.encryptionRoot ?? '-',
        keystatus: enc ? (this.keyAvailable(d) ? 'available' : 'unavailable') : '-',
        receive_resume_token: d.partial?.token ?? '-', inconsistent: d.inconsistent ? '1' : '0', origin: this.originName(d) ?? '-',
      };
      out[p] = native[p] ?? this.inheritedValue(d, p);
    }
    return out;
  }

  private inheritedValue(d: FakeDataset, p: string): string {
    const local = d.props.get(p);
    if (local !== undefined) return local;
    if (!NOT_INHERITED.has(p)) {
      for (let a = parentOf(d.name); a !== null; a = parentOf(a)) {
        const v = this.datasets.get(a)?.props.get(p);
        if (v !== undefined) return p === 'mountpoint' && v !== 'none' && v !== 'legacy' ? v + d.name.slice(a.length) : v;
      }
    }
    if (p.includes(':')) return '-';
    if (p === 'mountpoint') return d.type === 'volume' ? '-' : '/' + d.name;
    if (p === 'volsize' && d.type === 'volume') return d.props.get('volsize') ?? '0';
    const def = NATIVE_DEFAULTS[p];
    if (def === undefined) fail(`bad property list: invalid property '${p}'`, 2);
    return def;
  }

  /** `zfs set p=v ... name` (local values). */
  set(name: string, props: Record<string, string>): void {
    const d = this.datasets.get(name);
    if (!d) fail(`cannot open '${name}': dataset does not exist`);
    for (const k of Object.keys(props)) {
      if (READONLY_PROPS.has(k)) fail(`cannot set property for '${name}': '${k}' is readonly`);
      if (!k.includes(':') && NATIVE_DEFAULTS[k] === undefined && k !== 'mountpoint') fail(`cannot set property for '${name}': invalid property '${k}'`);
    }
    for (const [k, v] of Object.entries(props)) d.props.set(k, v);
  }

  // ---- snapshots, bookmarks, holds, destroy, rollback ----

  /** One atomic `zfs snapshot a@x b@y ...` (all or nothing, one txg). */
  snapshot(names: string[]): void {
    const multi = names.length > 1 ? '\nno snapshots were created' : '';
    const parsed = names.map((name) => {
      const n = splitName(name);
      if (n.sep !== '@') fail(`cannot create snapshot '${name}': not a snapshot name\n${SNAPSHOT_USAGE}`, 2);
      const why = entityNamecheck(name);
      if (why !== null) fail(`cannot create snapshot '${name}': ${why}${multi}`);
      const d = this.datasets.get(n.dataset);
      if (!d) fail(`cannot open '${n.dataset}': dataset does not exist\n${SNAPSHOT_USAGE}`, 2);
      return { name, n, d };
    });
    const datasets = new Set(parsed.map((p) => p.n.dataset));
    if (new Set(parsed.map((p) => poolOf(p.name))).size > 1 || datasets.size < parsed.length) {
      fail('cannot create snapshots : multiple snapshots of same fs not allowed\nno snapshots were created');
    }
    for (const { name, n, d } of parsed) {
      if (d.inconsistent) fail(`cannot create snapshot '${name}': dataset is busy${multi}`);
      if (d.snapshots.some((s) => s.name === n.short)) fail(`cannot create snapshot '${name}': dataset already exists${multi}`);
    }
    if (parsed.length === 0) return;
    const txg = this.nextTxg(names[0]!);
    const now = this.nowSeconds();
    for (const { n, d } of parsed) {
      d.snapshots.push({ name: n.short, guid: makeGuid(), createtxg: txg, creation: now, referenced: d.referenced, holds: new Map(), received: false });
    }
  }

  /** `zfs bookmark fs@snap|fs#bm fs#new` (OpenZFS >= 2.0 copies a bookmark too). */
  bookmark(source: string, bookmark: string): void {
    const s = splitName(source);
    const b = splitName(bookmark);
    const d = this.datasets.get(s.dataset);
    let from: { guid: Guid; createtxg: number; creation: number; referenced: number } | undefined;
    if (s.sep === '@') from = d?.snapshots.find((x) => x.name === s.short);
    else if (s.sep === '#') from = d?.bookmarks.find((x) => x.name === s.short);
    if (!d || !from) {
      fail(`cannot open '${source}': ${s.sep === '#' && d ? 'no such pool or dataset' : 'dataset does not exist'}\n${BOOKMARK_USAGE}`, 2);
    }
    if (b.sep !== '#' || entityNamecheck(bookmark) !== null) fail(`cannot create bookmark '${bookmark}': invalid bookmark name\n${BOOKMARK_USAGE}`, 2);
    if (b.dataset !== s.dataset) fail(`cannot create bookmark '${bookmark}': source is not an ancestor of the new bookmark's dataset`);
    if (d.bookmarks.some((x) => x.name === b.short)) fail(`cannot create bookmark '${bookmark}': bookmark exists`);
    d.bookmarks.push({ name: b.short, guid: from.guid, createtxg: from.createtxg, creation: from.creation, referenced: from.referenced });
  }

  /** `zfs hold TAG snap...`: each snapshot on its own; returns the stderr lines of those that failed. */
  hold(tag: string, names: string[]): string[] {
    const errors: string[] = [];
    for (const name of names) {
      const r = this.findSnapshot(name, 'hold snapshot');
      if (typeof r === 'string') { errors.push(r); continue; }
      if (r.holds.has(tag)) { errors.push(`cannot hold snapshot '${name}': tag already exists on this dataset`); continue; }
      r.holds.set(tag, this.nowSeconds());
    }
    return errors;
  }

  /** `zfs release TAG snap...`: each snapshot on its own; returns the stderr lines of those that failed. */
  release(tag: string, names: string[]): string[] {
    const errors: string[] = [];
    for (const name of names) {
      const r = this.findSnapshot(name, 'release hold from snapshot');
      if (typeof r === 'string') { errors.push(r); continue; }
      if (!r.holds.delete(tag)) errors.push(`cannot release hold from snapshot '${name}': no such tag on this dataset`);
    }
    return errors;
  }

  private findSnapshot(name: string, verb: string): FakeSnapshot | string {
    const n = splitName(name);
    if (n.sep !== '@') return `'${name}' is not a snapshot`;
    const d = this.datasets.get(n.dataset);
    if (!d) return `cannot open '${n.dataset}': dataset does not exist`;
    return d.snapshots.find((s) => s.name === n.short) ?? `cannot ${verb} '${name}': dataset does not exist`;
  }

  /** One `zfs destroy fs@a,b,c`: all or nothing (a held one fails the whole command: "dataset is busy"). */
  destroySnapshots(dataset: string, shorts: string[]): void {
    const d = this.datasets.get(dataset);
    if (!d) fail(`cannot open '${dataset}': dataset does not exist`);
    const found = d.snapshots.filter((s) => shorts.includes(s.name));
    if (found.length === 0) fail('could not find any snapshots to destroy; check snapshot names.');
    // a snapshot's dependents: the hidden clone of a partial incremental receive (`%recv`), and `zfs clone`s
    const clones = this.clonesByOrigin();
    const dependents = (s: FakeSnapshot) => [...(d.partial?.origin === s.guid ? [`${dataset}/%recv`] : []), ...(clones.get(originKey(d, s)) ?? [])];
    const cloned = found.find((s) => dependents(s).length > 0);
    if (cloned) {
      fail(`cannot destroy '${dataset}@${cloned.name}': snapshot has dependent clones\nuse '-R' to destroy the following datasets:\n${dependents(cloned).join('\n')}`);
    }
    const held = found.filter((s) => s.holds.size > 0);
    if (held.length > 0) fail(held.map((s) => `cannot destroy snapshot ${dataset}@${s.name}: dataset is busy`).join('\n'));
    d.snapshots = d.snapshots.filter((s) => !found.includes(s));
  }

  /** `zfs destroy fs#bm` (one per command). */
  destroyBookmark(name: string): void {
    const n = splitName(name);
    const d = this.datasets.get(n.dataset);
    const i = d ? d.bookmarks.findIndex((b) => b.name === n.short) : -1;
    if (!d || i < 0) fail(`bookmark '${name}' does not exist.`);
    d.bookmarks.splice(i, 1);
  }

  /** `zfs rollback [-r] fs@snap`: -r destroys newer snapshots and bookmarks; a held one stops the rollback
   *  after the others are gone (as libzfs does: it destroys what it can, then fails). */
  rollback(snapshot: string, destroyNewer: boolean): void {
    const n = splitName(snapshot);
    const d = this.datasets.get(n.dataset);
    const s = n.sep === '@' ? d?.snapshots.find((x) => x.name === n.short) : undefined;
    if (!d || !s) fail(`cannot open '${snapshot}': dataset does not exist`);
    const newerSnaps = d.snapshots.filter((x) => x.createtxg > s.createtxg);
    const newerBms = d.bookmarks.filter((x) => x.createtxg > s.createtxg);
    if (!destroyNewer && newerSnaps.length + newerBms.length > 0) {
      const list = [...newerSnaps.map((x) => `${d.name}@${x.name}`), ...newerBms.map((x) => `${d.name}#${x.name}`)];
      fail(`cannot rollback to '${snapshot}': more recent snapshots or bookmarks exist\nuse '-r' to force deletion of the following snapshots and bookmarks:\n${list.join('\n')}`);
    }
    // clones of the snapshots it would destroy stop it before anything is destroyed
    const clones = this.dependentClones([d], newerSnaps);
    if (clones.length > 0) fail(`cannot rollback to '${snapshot}': clones of previous snapshots exist\nuse '-R' to force deletion of the following clones and dependents:\n${clones.join('\n')}`);
    const busy = newerSnaps.filter((x) => x.holds.size > 0 || d.partial?.origin === x.guid);
    d.snapshots = d.snapshots.filter((x) => !newerSnaps.includes(x) || busy.includes(x));
    d.bookmarks = d.bookmarks.filter((x) => !newerBms.includes(x));
    if (busy.length > 0) fail(busy.map((x) => `cannot destroy '${d.name}@${x.name}': dataset is busy`).join('\n'));
    d.referenced = s.referenced;
  }

  // ---- listing ----

  /** Everything under the roots (none = every pool), in CommandZfsHost's order. */
  list(roots: string[]): Listing {
    const under = (name: string) => roots.length === 0 || roots.some((r) => name === r || name.startsWith(r + '/'));
    const ds = [...this.datasets.values()].filter((d) => under(d.name)).sort((a, b) => byName(a.name, b.name));
    const datasets: DatasetRecord[] = ds.map((d) => ({
      name: d.name,
      type: d.type,
      guid: d.guid,
      createtxg: d.createtxg,
      encryption: d.encryption,
      encryptionRoot: d.encryptionRoot,
      keyStatus: d.encryption === 'off' ? null : this.keyAvailable(d) ? 'available' : 'unavailable',
      resumeToken: d.partial?.token ?? null,
      origin: this.originName(d),
      placeholder: d.props.get('zform:placeholder') === 'on',
      written: this.datasetWritten(d),
    }));
    const versions: VersionRecord[] = [];
    const clones = this.clonesByOrigin();
    for (const d of ds) {
      d.snapshots.forEach((s, i) => versions.push({
        kind: 'snapshot', dataset: d.name, name: s.name, guid: s.guid, createtxg: s.createtxg, creation: s.creation,
        userrefs: s.holds.size, written: this.snapshotWritten(d, i), clones: clones.get(originKey(d, s))?.length ?? 0,
      }));
      for (const b of d.bookmarks) {
        versions.push({ kind: 'bookmark', dataset: d.name, name: b.name, guid: b.guid, createtxg: b.createtxg, creation: b.creation, userrefs: 0, written: 0, clones: 0 });
      }
    }
    const sorted = computeSortedVersions(versions);
    const holds: HoldRecord[] = [];
    for (const v of sorted) {
      if (v.kind !== 'snapshot' || v.userrefs === 0) continue;
      const s = this.datasets.get(v.dataset)!.snapshots.find((x) => x.name === v.name)!;
      for (const tag of [...s.holds.keys()].sort(byName)) holds.push({ snapshot: `${v.dataset}@${v.name}`, tag });
    }
    return { datasets, versions: sorted, holds };
  }

  // ---- send ----

  /** The substreams `zfs send` would write (validating as it does), or a FakeFailure. dryRun = `-n` (no key needed). */
  sendHeaders(args: SendArgs, dryRun = false): FakeStreamHeader[] {
    if (args.kind === 'resume') return [this.resumeHeader(args.token, dryRun)];
    const to = splitName(args.snapshot);
    const d = this.datasets.get(to.dataset);
    const si = to.sep === '@' && d ? d.snapshots.findIndex((s) => s.name === to.short) : -1;
    if (!d || si < 0) fail(`cannot open '${args.snapshot}': dataset does not exist`);
    const s = d.snapshots[si]!;
    if (!dryRun && !args.flags.raw && !this.keyAvailable(d)) fail(`warning: cannot send '${args.snapshot}': dataset key must be loaded`);
    const base = (snap: FakeSnapshot, size: number, kind: 'full' | 'incremental', fromguid?: Guid) =>
      this.header(d, snap, size, kind, args.flags, fromguid);
    if (args.kind === 'full') return [base(s, s.referenced, 'full')];
    const fromRaw = args.from.startsWith('@') || args.from.startsWith('#') ? to.dataset + args.from : args.from;
    const f = splitName(fromRaw);
    const fd = this.datasets.get(f.dataset);
    const from = f.sep === '@' ? fd?.snapshots.find((x) => x.name === f.short) : f.sep === '#' ? fd?.bookmarks.find((x) => x.name === f.short) : undefined;
    if (!fd || !from) fail(`cannot open '${fromRaw}': dataset does not exist`);
    // from another dataset only when it is this clone's origin snapshot (the stream then makes a clone on receive)
    const fromOrigin = f.dataset !== to.dataset && f.sep === '@' && d.origin === originKey(fd, from as FakeSnapshot);
    if ((f.dataset !== to.dataset && !fromOrigin) || from.createtxg >= s.createtxg) {
      fail(`warning: cannot send '${args.snapshot}': not an earlier snapshot from the same fs`);
    }
    if (!args.intermediates) return [this.header(d, s, Math.max(0, s.referenced - from.referenced), 'incremental', args.flags, from.guid, fromOrigin)];
    if (f.sep === '#') fail('Error: multiple snapshots cannot be sent from a bookmark.');
    const out: FakeStreamHeader[] = [];
    let prev: { guid: Guid; referenced: number } = from;
    for (const x of d.snapshots) {
      if (x.createtxg <= from.createtxg || x.createtxg > s.createtxg) continue;
      out.push(this.header(d, x, Math.max(0, x.referenced - prev.referenced), 'incremental', args.flags, prev.guid, fromOrigin && out.length === 0));
      prev = x;
    }
    return out;
  }

  private header(d: FakeDataset, s: FakeSnapshot, size: number, kind: 'full' | 'incremental', flags: SendFlags, fromguid?: Guid, clone = false): FakeStreamHeader {
    const h: FakeStreamHeader = {
      kind, toname: `${d.name}@${s.name}`, toguid: s.guid, size, offset: 0, resume: false, creation: s.creation,
      referenced: s.referenced, type: d.type, raw: flags.raw, compressed: flags.compressed, embedded: flags.embeddedData,
      largeBlocks: flags.largeBlocks, encryption: flags.raw ? d.encryption : 'off',
    };
    if (fromguid !== undefined) h.fromguid = fromguid;
    if (clone) h.clone = true;
    return h;
  }

  private parseToken(token: string): FakeTokenFields {
    const t = parseFakeToken(token);
    if ('corrupt' in t) fail(`cannot resume send: resume token is corrupt (${t.corrupt})`, 255);
    return t;
  }

  /** The snapshot (and from, with its full name) a token names, checked as libzfs's zfs_send_resume_impl does; from
   *  is a snapshot or bookmark of the same dataset, or a clone's origin snapshot. */
  private resolveToken(t: FakeTokenFields): { d: FakeDataset; s: FakeSnapshot; from: { guid: Guid; referenced: number; name: string; origin: boolean } | null } {
    const n = splitName(t.toname);
    const d = this.datasets.get(n.dataset);
    const s = d?.snapshots.find((x) => x.guid === t.toguid);
    if (!d || !s) {
      const sameName = d?.snapshots.some((x) => x.name === n.short) ?? false;
      fail(sameName
        ? `cannot resume send: '${t.toname}' is no longer the same snapshot used in the initial send`
        : `cannot resume send: '${t.toname}' used in the initial send no longer exists`, 255);
    }
    if (t.fromguid === undefined) return { d, s, from: null };
    const snap = d.snapshots.find((x) => x.guid === t.fromguid);
    if (snap) return { d, s, from: { guid: snap.guid, referenced: snap.referenced, name: `${d.name}@${snap.name}`, origin: false } };
    const bm = d.bookmarks.find((x) => x.guid === t.fromguid);
    if (bm) return { d, s, from: { guid: bm.guid, referenced: bm.referenced, name: `${d.name}#${bm.name}`, origin: false } };
    const o = this.originOf(d);
    if (o && o.snapshot.guid === t.fromguid) {
      return { d, s, from: { guid: o.snapshot.guid, referenced: o.snapshot.referenced, name: `${o.dataset.name}@${o.snapshot.name}`, origin: true } };
    }
    fail(`cannot resume send: incremental source 0x${BigInt(t.fromguid).toString(16)} no longer exists`, 255);
  }

  /** The full name of a token's incremental source (a snapshot, bookmark or the clone's origin), else null. */
  tokenFromName(token: string): string | null {
    try {
      return this.resolveToken(this.parseToken(token)).from?.name ?? null;
    } catch (e) {
      if (e instanceof FakeFailure) return null;
      throw e;
    }
  }

  private resumeHeader(token: string, dryRun: boolean): FakeStreamHeader {
    const t = this.parseToken(token);
    const { d, s, from } = this.resolveToken(t);
    if (!dryRun && !t.rawok && !this.keyAvailable(d)) fail(`warning: cannot send '${d.name}@${s.name}': dataset key must be loaded`);
    const flags: SendFlags = { raw: t.rawok, compressed: t.compressok, embeddedData: t.embedok, largeBlocks: t.largeblockok, properties: false, backupProperties: false };
    const h = from === null ? this.header(d, s, s.referenced, 'full', flags)
      : this.header(d, s, Math.max(0, s.referenced - from.referenced), 'incremental', flags, from.guid, from.origin);
    h.resume = true;
    h.offset = Math.min(t.bytes, h.size);
    return h;
  }

  /** `zfs send -nvt TOKEN`: its fields, after the checks `zfs send` makes (the snapshot must be on this host). */
  /** `zfs send -nvt`: prints the token's contents even when its snapshot is gone (it then exits 1, which
   *  CommandZfsHost.decodeResumeToken accepts because the contents are what the planner needs). */
  decodeToken(token: string): ResumeTokenInfo {
    const t = this.parseToken(token);
    const info: ResumeTokenInfo = {
      toname: t.toname, toguid: t.toguid, rawok: t.rawok, compressok: t.compressok, embedok: t.embedok,
      largeblockok: t.largeblockok, bytes: t.bytes,
    };
    if (t.fromguid !== undefined) info.fromguid = t.fromguid;
    return info;
  }

  // ---- receive ----

  /** Decides what a substream does to `target` when its header arrives, or fails as `zfs receive` does. */
  beginReceive(target: string, h: FakeStreamHeader, opts: { force: boolean; override: Record<string, string>; origin?: string | undefined }): FakePending {
    const base = { target, header: h, override: opts.override, force: opts.force };
    const d = this.datasets.get(target);
    const short = splitName(h.toname).short;
    // -o origin=: libzfs checks the name exists (a filesystem, volume or snapshot) before it reads the stream
    if (opts.origin !== undefined && (splitName(opts.origin).sep === '#' || this.guidOf(opts.origin) === undefined)) {
      fail(`cannot receive: specified origin fs (${opts.origin}) does not exist`);
    }
    if (h.resume) {
      if (!d) fail(`cannot receive resume stream: destination '${target}' does not exist`);
      if (!d.partial) fail('cannot receive resume stream: kernel modules must be upgraded to receive this stream.');
      // Fake-only wording (not observed on real ZFS): a token always comes from this partial state.
      if (d.partial.header.toguid !== h.toguid || d.partial.bytes !== h.offset) {
        fail(`cannot receive resume stream: the stream does not continue the partially received snapshot of '${target}'`);
      }
      return { ...base, mode: 'resume' };
    }
    // a clone's stream from its origin finds the origin here by its GUID (libzfs, before anything else)
    let origin: { dataset: FakeDataset; snapshot: FakeSnapshot } | null = null;
    if (h.kind === 'incremental' && h.clone === true && opts.origin === undefined) {
      origin = this.findSnapshotByGuid(target, h.fromguid!);
      if (!origin) fail(`cannot receive: local origin for clone ${target}@${short} does not exist`);
    }
    // streams that make a new dataset: full ones, a clone's from its origin, and any incremental with -o origin=
    if (h.kind === 'full' || h.clone === true || opts.origin !== undefined) {
      if (h.kind === 'full' && opts.origin !== undefined) fail('fake: receive -o origin= of a full stream is not emulated');
      if (d) {
        if (d.inconsistent || !opts.force) fail(`cannot receive new filesystem stream: destination '${target}' exists\nmust specify -F to overwrite it`);
        const first = d.snapshots[0];
        if (first) fail(`cannot receive new filesystem stream: destination has snapshots (eg. ${target}@${first.name})\nmust destroy them to overwrite it`);
        if (h.kind === 'incremental') {
          if (d.origin !== undefined) fail(`cannot receive new filesystem stream: destination '${target}' is a clone\nmust destroy it to overwrite it`);
          fail(`fake: receive -F of a clone stream over an existing dataset ('${target}') is not emulated`);
        }
        if (d.encryption !== 'off' || h.encryption !== 'off') {
          fail('cannot receive new filesystem stream: zfs receive -F cannot be used to destroy an encrypted filesystem or overwrite an unencrypted one with an encrypted one');
        }
        return { ...base, mode: 'replace' };
      }
      const parentName = parentOf(target);
      const parent = parentName === null ? undefined : this.datasets.get(parentName);
      if (!parent) fail(`cannot open '${parentName ?? target}': dataset does not exist\ncannot receive new filesystem stream: unable to restore to destination`);
      if (opts.origin !== undefined) {
        const n = splitName(opts.origin);
        if (n.sep !== '@') fail('cannot receive new filesystem stream: invalid backup stream');
        if (poolOf(opts.origin) !== poolOf(target)) fail(`fake: receive -o origin= from another pool ('${opts.origin}') is not emulated`);
        const od = this.datasets.get(n.dataset)!;
        origin = { dataset: od, snapshot: od.snapshots.find((x) => x.name === n.short)! };
        if (origin.snapshot.guid !== h.fromguid) fail(`cannot receive new filesystem stream: most recent snapshot of ${target} does not\nmatch incremental source`);
      }
      if (origin === null && h.encryption === 'off' && parent.encryption !== 'off' && !this.keyAvailable(parent)) {
        fail('cannot receive new filesystem stream: inherited key must be loaded');
      }
      return origin === null ? { ...base, mode: 'new' } : { ...base, mode: 'new', cloneOf: originKey(origin.dataset, origin.snapshot) };
    }
    if (!d) fail(`cannot receive incremental stream: destination '${target}' does not exist`);
    if (d.partial || d.inconsistent) fail(`cannot receive incremental stream: destination ${target} contains partially-complete state from "zfs receive -s".`);
    const same = d.snapshots.find((s) => s.name === short);
    if (same) {
      // libzfs: "snap X already exists; ignoring" when the GUID matches (only printed with -v)
      if (same.guid === h.toguid) return { ...base, mode: 'skip' };
      fail(`cannot restore to ${target}@${short}: destination already exists`);
    }
    const fi = d.snapshots.findIndex((s) => s.guid === h.fromguid);
    if (fi < 0) fail(`cannot receive incremental stream: most recent snapshot of ${target} does not\nmatch incremental source`);
    if (!opts.force) {
      // OpenZFS accepts newer snapshots on the target as long as nothing changed after `from` (and, for raw
      // streams of encrypted data, `from` is the newest).
      const later = d.snapshots.slice(fi + 1);
      const modified = this.datasetWritten(d) > 0 || later.some((s, k) => s.received || this.snapshotWritten(d, fi + 1 + k) > 0)
        || (h.raw && h.encryption !== 'off' && later.length > 0);
      if (modified) fail(`cannot receive incremental stream: destination ${target} has been modified\nsince most recent snapshot`);
    } else if (d.snapshots.slice(fi + 1).some((s) => s.holds.size > 0)) {
      fail(`cannot receive incremental stream: dataset is busy`);
    }
    return { ...base, mode: 'incremental', fromGuid: d.snapshots[fi]!.guid };
  }

  /** The snapshot with this GUID nearest `target` (libzfs's guid_to_name: under its parent, then under each
   *  ancestor up to the pool), else null. */
  private findSnapshotByGuid(target: string, guid: Guid): { dataset: FakeDataset; snapshot: FakeSnapshot } | null {
    const all = [...this.datasets.values()].sort((a, b) => byName(a.name, b.name));
    for (let a = parentOf(target); a !== null; a = parentOf(a)) {
      for (const x of all) {
        if (x.name !== a && !x.name.startsWith(a + '/')) continue;
        const s = x.snapshots.find((y) => y.guid === guid);
        if (s) return { dataset: x, snapshot: s };
      }
    }
    return null;
  }

  /** Applies a substream whose payload arrived completely. */
  commitReceive(p: FakePending): void {
    if (p.mode === 'skip') return;
    const d0 = this.datasets.get(p.target);
    if (p.mode === 'resume') {
      const partial = d0!.partial!;
      d0!.partial = null;
      const h = partial.header;
      if (partial.mode === 'new') {
        d0!.inconsistent = false;
        d0!.referenced = h.referenced;
        this.addReceivedSnapshot(d0!, h);
        this.applyOverrides(d0!, p.override);
        return;
      }
      this.commitReceive({ ...p, header: h, mode: partial.mode, force: false });
      return;
    }
    const h = p.header;
    if (p.mode === 'new') {
      const d = this.newReceivedDataset(p.target, h, p.cloneOf);
      d.referenced = h.referenced;
      this.addReceivedSnapshot(d, h);
      this.applyOverrides(d, p.override);
      return;
    }
    const d = d0!;
    if (p.mode === 'replace') {
      d.referenced = h.referenced;
    } else {
      const fi = d.snapshots.findIndex((s) => s.guid === p.fromGuid);
      if (p.force && fi >= 0) {
        const from = d.snapshots[fi]!;
        d.snapshots = d.snapshots.slice(0, fi + 1);
        d.bookmarks = d.bookmarks.filter((b) => b.createtxg <= from.createtxg);
        d.referenced = from.referenced;
      }
      d.referenced += h.size;
    }
    this.addReceivedSnapshot(d, h);
    this.applyOverrides(d, p.override);
  }

  /** cloneOf: the originKey of the snapshot the new dataset is a clone of (it shares the origin's encryption). */
  private newReceivedDataset(target: string, h: FakeStreamHeader, cloneOf?: string): FakeDataset {
    const parent = this.datasets.get(parentOf(target)!)!;
    const d = this.makeDataset(target, h.type, this.nextTxg(target), 0);
    if (cloneOf !== undefined) d.origin = cloneOf;
    const origin = this.originOf(d);
    if (origin) {
      d.encryption = origin.dataset.encryption;
      d.encryptionRoot = origin.dataset.encryptionRoot;
    } else if (h.raw && h.encryption !== 'off') {
      d.encryption = h.encryption;
      d.encryptionRoot = target;
      d.keyLoaded = false;
      d.props.set('keylocation', 'prompt');
    } else if (parent.encryption !== 'off') {
      d.encryption = parent.encryption;
      d.encryptionRoot = parent.encryptionRoot;
    }
    this.datasets.set(target, d);
    return d;
  }

  private addReceivedSnapshot(d: FakeDataset, h: FakeStreamHeader): void {
    d.snapshots.push({
      name: splitName(h.toname).short, guid: h.toguid, createtxg: this.nextTxg(d.name), creation: h.creation,
      referenced: d.referenced, holds: new Map(), received: true,
    });
  }

  private applyOverrides(d: FakeDataset, override: Record<string, string>): void {
    for (const [k, v] of Object.entries(override)) d.props.set(k, v);
  }

  /** A substream cut after `bytes` payload bytes: with -s the state is saved and the token returned; else nothing stays. */
  interruptReceive(p: FakePending, bytes: number, resumable: boolean): string | null {
    if (p.mode === 'skip') return null;
    const d = this.datasets.get(p.target);
    if (p.mode === 'resume') {
      if (!resumable) return null;
      const partial = d!.partial!;
      partial.bytes += bytes;
      partial.token = this.renderToken(partial.header, partial.bytes);
      if (partial.mode === 'new') d!.referenced = this.originReferenced(d!) + partial.bytes;
      return partial.token;
    }
    if (!resumable) return null;
    const h = p.header;
    const partial: FakePartial = { header: h, bytes, mode: p.mode, origin: null, token: this.renderToken(h, bytes) };
    if (p.mode === 'new') {
      const nd = this.newReceivedDataset(p.target, h, p.cloneOf);
      nd.inconsistent = true;
      nd.referenced = this.originReferenced(nd) + bytes;
      nd.partial = partial;
      this.applyOverrides(nd, p.override);
    } else {
      partial.origin = d!.snapshots[d!.snapshots.length - 1]?.guid ?? null;
      d!.partial = partial;
    }
    return partial.token;
  }

  private renderToken(h: FakeStreamHeader, bytes: number): string {
    const f: FakeTokenFields = {
      toname: h.toname, toguid: h.toguid, bytes, rawok: h.raw, compressok: h.compressed, embedok: h.embedded, largeblockok: h.largeBlocks,
    };
    if (h.fromguid !== undefined) f.fromguid = h.fromguid;
    return renderFakeToken(f);
  }

  /** `zfs receive -A fs`. */
  abortReceive(name: string): void {
    const d = this.datasets.get(name);
    if (!d) fail(`cannot open '${name}': dataset does not exist\nusage:\n\treceive -A <filesystem|volume>\n`, 2);
    if (!d.partial) fail(`'${name}' does not have any resumable receive state to abort`);
    if (d.partial.mode === 'new') this.datasets.delete(name);
    else d.partial = null;
  }
}
