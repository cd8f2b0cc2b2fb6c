// The layout language of real-ZFS tests: a pool's datasets, snapshots, bookmarks, holds, encrypted
// datasets, zvols and data in one line each, e.g. `a a/b @s1 a#b1 hold:keep=a@s1 data:a=200K a@s2`,
// applied with the fewest zfs commands (one script, consecutive snapshots/holds batched).
//
//   a  a/b{p=v,q=w}   filesystem (zfs create -p), with properties
//   enc:a/secret      encryption root, key from the pool's keyFile (passphrase; lib.ts encryptionProps)
//   vol:a/v=16M       sparse zvol
//   a@s1              snapshot (consecutive ones: one atomic `zfs snapshot`)
//   @s1               recursive snapshot of the whole pool (`zfs snapshot -r pool@s1`)
//   a#b1  a#b1=@s1  a#b2=#b1   bookmark of a's newest snapshot, of a@s1, of the bookmark a#b1
//   hold:t=a@s1,a/b@s1         hold tag t (consecutive holds of one tag: one `zfs hold`)
//   data:a=200K       write 200 KiB of random data into a new file f<n> (the pool must be mounted)
// Names are relative to the pool; `# ` starts a comment to the end of the line.
import { encryptionProps, q, sh, type Pool } from './lib.js';

export type LayoutStep =
  | { kind: 'create'; dataset: string; props: Record<string, string>; encrypted: boolean; volsize?: number }
  | { kind: 'snapshot'; snapshots: string[] }
  | { kind: 'snapshot-all'; snapshot: string }
  | { kind: 'bookmark'; bookmark: string; source: string }
  | { kind: 'hold'; tag: string; snapshots: string[] }
  | { kind: 'data'; dataset: string; file: string; bytes: number };

/** A layout text that does not parse, naming the token. */
export class LayoutError extends Error {
  constructor(token: string, why: string) {
    super(`layout: '${token}': ${why}`);
    this.name = 'LayoutError';
  }
}

const NAME = /^[A-Za-z0-9_.:-]+(\/[A-Za-z0-9_.:-]+)*$/;
const SHORT = /^[A-Za-z0-9_.:-]+$/;

/** `123`, `64K`, `16M`, `1G` (binary units) → bytes, or null. */
export function parseSize(s: string): number | null {
  const m = /^(\d+)([KMG]?)$/.exec(s);
  if (!m) return null;
  return Number(m[1]) * { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2] as '' | 'K' | 'M' | 'G'];
}

/** What the parser knows of the pool so far, to refuse names that would not exist. */
interface State {
  /** dataset → its type; '' is the pool's root filesystem */
  datasets: Map<string, 'filesystem' | 'volume'>;
  /** dataset → short snapshot names, oldest first */
  snapshots: Map<string, string[]>;
  bookmarks: Set<string>;
  files: Map<string, number>;
}

/** The steps of a layout text, checked: every snapshot, bookmark and hold names something declared before it. */
export function parseLayout(text: string): LayoutStep[] {
  const tokens = text.split('\n').flatMap((line) => line.replace(/(^|\s)#(\s.*)?$/, '').trim().split(/\s+/)).filter((t) => t !== '');
  const st: State = { datasets: new Map([['', 'filesystem']]), snapshots: new Map([['', []]]), bookmarks: new Set(), files: new Map() };
  const steps: LayoutStep[] = [];
  for (const tok of tokens) {
    const step = parseToken(tok, st);
    const last = steps.at(-1);
    if (step.kind === 'snapshot' && last?.kind === 'snapshot') last.snapshots.push(...step.snapshots);
    else if (step.kind === 'hold' && last?.kind === 'hold' && last.tag === step.tag) last.snapshots.push(...step.snapshots);
    else steps.push(step);
  }
  return steps;
}

function parseToken(tok: string, st: State): LayoutStep {
  const bad = (why: string): never => { throw new LayoutError(tok, why); };
  const needFs = (ds: string): void => {
    const t = st.datasets.get(ds);
    if (t === undefined) bad(`dataset '${ds}' is not declared before`);
    if (t === 'volume') bad(`'${ds}' is a volume`);
  };
  const needDataset = (ds: string): void => { if (!st.datasets.has(ds)) bad(`dataset '${ds}' is not declared before`); };
  const needSnapshot = (full: string): void => {
    const [ds, snap] = full.split('@') as [string, string];
    needDataset(ds);
    if (!st.snapshots.get(ds)!.includes(snap)) bad(`snapshot '${full}' is not declared before`);
  };
  const declare = (ds: string, type: 'filesystem' | 'volume'): void => {
    if (!NAME.test(ds)) bad('expected a dataset name like a/b');
    if (st.datasets.has(ds)) bad(`dataset '${ds}' is declared twice`);
    // zfs create -p makes the missing parents
    const parts = ds.split('/');
    for (let i = 1; i < parts.length; i++) {
      const p = parts.slice(0, i).join('/');
      if (st.datasets.get(p) === 'volume') bad(`'${p}' is a volume`);
      if (!st.datasets.has(p)) { st.datasets.set(p, 'filesystem'); st.snapshots.set(p, []); }
    }
    st.datasets.set(ds, type);
    st.snapshots.set(ds, []);
  };
  const [, prefix, body] = /^(?:(enc|vol|hold|data):)?(.*)$/.exec(tok)!;

  if (prefix === 'vol') {
    const [ds, size] = body!.split('=');
    const volsize = parseSize(size ?? '');
    if (volsize === null || volsize === 0) bad('expected vol:NAME=SIZE, e.g. vol:a/v=16M');
    declare(ds!, 'volume');
    return { kind: 'create', dataset: ds!, props: {}, encrypted: false, volsize: volsize! };
  }
  if (prefix === 'hold') {
    const eq = body!.indexOf('=');
    const tag = body!.slice(0, eq);
    const snaps = body!.slice(eq + 1).split(',');
    if (eq <= 0 || snaps.some((s) => !s.includes('@'))) bad('expected hold:TAG=FS@SNAP[,FS@SNAP...]');
    snaps.forEach(needSnapshot);
    return { kind: 'hold', tag, snapshots: snaps };
  }
  if (prefix === 'data') {
    const [ds, size] = body!.split('=');
    const bytes = parseSize(size ?? '');
    if (bytes === null) bad('expected data:FS=SIZE, e.g. data:a=200K');
    needFs(ds!);
    const n = (st.files.get(ds!) ?? 0) + 1;
    st.files.set(ds!, n);
    return { kind: 'data', dataset: ds!, file: `f${n}`, bytes: bytes! };
  }
  if (body!.startsWith('@')) {
    const snap = body!.slice(1);
    if (prefix || !SHORT.test(snap)) bad('expected @SNAP');
    for (const [ds, snaps] of st.snapshots) {
      if (snaps.includes(snap)) bad(`snapshot '${ds}@${snap}' is declared twice`);
      snaps.push(snap);
    }
    return { kind: 'snapshot-all', snapshot: snap };
  }
  if (body!.includes('#')) {
    const m = /^([^#=]+)#([^#=]+)(?:=([@#])([^@#=]+))?$/.exec(body!);
    if (prefix || !m || !SHORT.test(m[2]!)) bad('expected FS#BOOKMARK, FS#BOOKMARK=@SNAP or FS#BOOKMARK=#BOOKMARK');
    const [, ds, bm, sigil, from] = m!;
    needDataset(ds!);
    const bookmark = `${ds}#${bm}`;
    if (st.bookmarks.has(bookmark)) bad(`bookmark '${bookmark}' is declared twice`);
    let source: string;
    if (sigil === '#') {
      source = `${ds}#${from}`;
      if (!st.bookmarks.has(source)) bad(`bookmark '${source}' is not declared before`);
    } else {
      const snap = sigil === '@' ? from! : st.snapshots.get(ds!)!.at(-1);
      if (snap === undefined) bad(`'${ds}' has no snapshot yet`);
      source = `${ds}@${snap}`;
      needSnapshot(source);
    }
    st.bookmarks.add(bookmark);
    return { kind: 'bookmark', bookmark, source };
  }
  if (body!.includes('@')) {
    const [ds, snap] = body!.split('@') as [string, string];
    if (prefix || !SHORT.test(snap)) bad('expected FS@SNAP');
    needDataset(ds);
    const snaps = st.snapshots.get(ds)!;
    if (snaps.includes(snap)) bad(`snapshot '${body}' is declared twice`);
    snaps.push(snap);
    return { kind: 'snapshot', snapshots: [body!] };
  }
  if (prefix === undefined || prefix === 'enc') {
    const m = /^([^{}]+)(?:\{([^{}]*)\})?$/.exec(body!);
    if (!m) bad('expected NAME or NAME{prop=value,...}');
    const props: Record<string, string> = {};
    for (const kv of m![2] ? m![2].split(',') : []) {
      const eq = kv.indexOf('=');
      if (eq <= 0) bad(`expected prop=value, got '${kv}'`);
      props[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    declare(m![1]!, 'filesystem');
    return { kind: 'create', dataset: m![1]!, props, encrypted: prefix === 'enc' };
  }
  return bad('unknown token');
}

/** The pool a layout is applied to (a Pool, or its data in unit tests). */
export type LayoutTarget = Pick<Pool, 'name' | 'mountpoint' | 'keyFile'>;

/** The shell lines that make the layout on that pool: one zfs command per step, data written with head. */
export function renderLayoutScript(pool: LayoutTarget, steps: LayoutStep[]): string[] {
  const abs = (rel: string): string => (rel.startsWith('@') || rel.startsWith('#') || rel === '' ? pool.name + rel : `${pool.name}/${rel}`);
  const opts = (props: Record<string, string>): string[] => Object.entries(props).map(([k, v]) => `-o ${q(`${k}=${v}`)}`);
  return steps.map((s) => {
    switch (s.kind) {
      case 'create': {
        const enc = s.encrypted ? opts(encryptionProps(pool)) : [];
        const vol = s.volsize !== undefined ? ['-s', '-V', String(s.volsize)] : [];
        return ['zfs create -p', ...vol, ...enc, ...opts(s.props), q(abs(s.dataset))].join(' ');
      }
      case 'snapshot': return ['zfs snapshot', ...s.snapshots.map((n) => q(abs(n)))].join(' ');
      case 'snapshot-all': return `zfs snapshot -r ${q(`${pool.name}@${s.snapshot}`)}`;
      case 'bookmark': return `zfs bookmark ${q(abs(s.source))} ${q(abs(s.bookmark))}`;
      case 'hold': return ['zfs hold', q(s.tag), ...s.snapshots.map((n) => q(abs(n)))].join(' ');
      case 'data': {
        if (pool.mountpoint === null) throw new LayoutError(`data:${s.dataset}`, `pool '${pool.name}' is not mounted (createPool(name, { mounted: true }))`);
        return `head -c ${s.bytes} /dev/urandom > ${q(`${pool.mountpoint}/${s.dataset}/${s.file}`)}`;
      }
    }
  });
}

/** Makes the layout on a pool of the guest, in one shell script; returns the steps. */
export async function layout(pool: LayoutTarget, text: string): Promise<LayoutStep[]> {
  const steps = parseLayout(text);
  const lines = renderLayoutScript(pool, steps);
  if (lines.length > 0) await sh(['set -e', ...lines].join('\n'));
  return steps;
}
