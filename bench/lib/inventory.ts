// Synthetic inventories for the planning benchmark: exactly what OpenZFS 2.1 prints for the commands zform's
// listing issues (`zfs list -H -p`, `zfs get zform:placeholder`, `zfs holds -H`, `zfs send -nvt`) on a
// source pool `src` and a target pool `dst` after zform has replicated `src` to `dst/backup` for a while.
import { LIST_COLUMNS, VERSION_LIST_COLUMNS } from '../../src/zfs/parse.js';
import { makeCursorName, makeLastReceivedHoldTag, guidHex } from '../../src/zfs/names.js';
import { formatTimestamp } from '../../src/config/timestamp.js';

export interface InventorySpec {
  /** source datasets in all (the pool, its groups and the leaves below them), at least 2 */
  datasets: number;
  /** snapshots per source dataset, at least 2 */
  snapshots: number;
  /** the clock of the plan (ms since the epoch): the newest snapshots are 20 minutes older */
  now: number;
  job: string;
  seed?: number;
  /** the config's pruning (default 'steady', see PRUNE_GRIDS) */
  pruning?: PruningMode;
}

/**
 * What the config prunes with, over the inventory's hourly snapshots. `steady`: what a configured job meets on
 * every run once it has pruned before (the grid keeps all but the oldest snapshot of each side: one destroy per
 * dataset and side, as after each hourly snapshot run). `first`: a first prune of the same inventory (the grid
 * keeps the newest hour, 24 hourly and then one a day: ~71 destroys per dataset and side). `off`: no pruning.
 */
export type PruningMode = 'steady' | 'first' | 'off';

/** What happened to a leaf dataset, chosen by its index so that every size has the same mix. */
export type LeafKind = 'up_to_date' | 'behind' | 'new' | 'due';

export interface Inventory {
  /** `zfs list -H -p -r -t filesystem,volume,snapshot,bookmark -o LIST_COLUMNS ROOT` output, by root */
  list: Record<string, string>;
  /** the datasets with zform:placeholder=on set locally, by root, as `zfs get -H -p -r -s local -t filesystem,volume -o
   *  name,value zform:placeholder ROOT` prints them (builds before session 35 ask for that; make-inventory.ts writes the
   *  answer of every dataset from it) */
  placeholders: Record<string, string>;
  /** every hold of both pools as `zfs holds -H` prints it (2.1: name, tag, ctime), in listing order */
  holds: string;
  /** `zfs send -n -v -t TOKEN` output, by token */
  tokens: Record<string, string>;
  /** the config the benchmark plans with */
  config: string;
  counts: {
    datasets: number; snapshotsPerSide: number; bookmarks: number; holds: number;
    byKind: Record<LeafKind, number>; resumeTokens: number;
  };
}

export const SOURCE_ROOT = 'src';
/** The grid both sides prune with, by mode (the source also keeps what has not been replicated). `steady` spans
 *  99 hours: with the default 100 hourly snapshots, the oldest one (99 h older than the newest) is older than it. */
export const PRUNE_GRIDS: Record<Exclude<PruningMode, 'off'>, string> = {
  steady: '1x1h(keep=all) | 98x1h',
  first: '1x1h(keep=all) | 24x1h | 30x1d',
};
export const TARGET_ROOT = 'dst/backup';
/** receive_resume_token on this many `behind` targets (a constant: decoding is one command per token) */
export const RESUME_TOKENS = 2;

/** The kind of leaf i; groups and the pool are always up to date. */
export function leafKind(i: number): LeafKind {
  if (i % 200 === 7) return 'new';
  if (i % 10 === 3) return 'behind';
  if (i % 50 === 21) return 'due';
  return 'up_to_date';
}
/** How many snapshots a `behind` leaf's target lacks (1 to 5). */
export function behindBy(i: number): number { return 1 + (Math.floor(i / 10) % 5); }
/** Leaves with a foreign `keep` hold on their oldest source snapshot. */
export function hasForeignHold(i: number): boolean { return i % 25 === 4; }

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** `zfs holds` (2.1, no -p) prints the hold's time like ctime without seconds: `Sat Nov 21 20:49 2026`. */
function holdTime(unix: number): string {
  const d = new Date(unix * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())} ${d.getUTCFullYear()}`;
}

/** Source dataset names, in `zfs list` order (parents before children, siblings by name). */
export function sourceDatasets(n: number): { name: string; leaf: number | null }[] {
  const groups = Math.max(1, Math.ceil(Math.sqrt(n)));
  const leaves = Math.max(0, n - 1 - groups);
  const out: { name: string; leaf: number | null }[] = [{ name: SOURCE_ROOT, leaf: null }];
  let leaf = 0;
  for (let g = 0; g < groups && out.length < n; g++) {
    const group = `${SOURCE_ROOT}/g${String(g).padStart(4, '0')}`;
    out.push({ name: group, leaf: null });
    const here = Math.floor(leaves / groups) + (g < leaves % groups ? 1 : 0);
    for (let k = 0; k < here; k++) out.push({ name: `${group}/d${String(leaf).padStart(6, '0')}`, leaf: leaf++ });
  }
  return out;
}

export function computeInventory(spec: InventorySpec): Inventory {
  const S = spec.snapshots;
  if (spec.datasets < 2 || S < 2) throw new RangeError('at least 2 datasets and 2 snapshots');
  let rng = (spec.seed ?? 1) >>> 0 || 1;
  let serial = 0;
  // Unique uint64 GUIDs in decimal without BigInt: a random 10-11 digit head (< 18446744073) and a 9-digit serial.
  const guid = (): string => {
    rng ^= rng << 13; rng >>>= 0; rng ^= rng >>> 17; rng ^= rng << 5; rng >>>= 0;
    const head = 1_000_000_000 + (rng % 17_000_000_000);
    return `${head}${String(++serial).padStart(9, '0')}`;
  };
  const nowS = Math.floor(spec.now / 1000);
  const creation = (k: number) => nowS - 1200 - (S - 1 - k) * 3600;
  const names = Array.from({ length: S }, (_, k) => `zform_${formatTimestamp(new Date(creation(k) * 1000), 'dense')}`);
  const written = (k: number) => ((k * 7919) % 1000 + 1) * 4096;
  const srcTxg = (k: number) => 1000 + 10 * k;
  const dstTxg = (k: number) => 5000 + 10 * k;
  const lrTag = makeLastReceivedHoldTag(spec.job);

  const src: string[] = [];
  const dst: string[] = [];
  const srcHolds: string[] = [];
  const dstHolds: string[] = [];
  const tokens: Record<string, string> = {};
  const byKind: Record<LeafKind, number> = { up_to_date: 0, behind: 0, new: 0, due: 0 };
  let bookmarks = 0;
  let snapshotsPerSide = 0;
  const dsLine = (name: string, g: string, txg: number, w: number, token = '-') =>
    `${name}\tfilesystem\t${g}\t${txg}\t${creation(0) - 86400}\t-\t${w}\toff\t-\t-\t${token}\t-`;

  // the target's root_fs is a placeholder zform created; its parent `dst` is the pool (not listed: root is dst/backup)
  dst.push(dsLine(TARGET_ROOT, guid(), 20, 0));
  const datasets = sourceDatasets(spec.datasets);
  datasets.forEach(({ name, leaf }, index) => {
    const kind: LeafKind = leaf === null ? 'up_to_date' : leafKind(leaf);
    if (leaf !== null) byKind[kind]++;
    const have = kind === 'due' ? S - 1 : S; // a `due` dataset missed the newest snapshot run: its newest is 80 min old
    const onTarget = kind === 'new' ? 0 : kind === 'behind' ? Math.max(1, have - behindBy(leaf!)) : have;
    const guids = Array.from({ length: have }, guid);
    src.push(dsLine(name, guid(), 10 + index, 8192));
    for (let k = 0; k < have; k++) {
      const held = k === 0 && leaf !== null && hasForeignHold(leaf);
      if (held) srcHolds.push(`${name}@${names[k]}\tkeep\t${holdTime(creation(k) + 60)}`);
      src.push(`${name}@${names[k]}\tsnapshot\t${guids[k]}\t${srcTxg(k)}\t${creation(k)}\t${held ? 1 : 0}\t${written(k)}\toff\t-\t-\t-\t-`);
    }
    snapshotsPerSide += have;
    if (onTarget > 0) {
      // guarantee_incremental leaves the replication cursor on the source at the target's newest snapshot
      const c = onTarget - 1;
      src.push(`${name}#${makeCursorName(guids[c]!, spec.job)}\tbookmark\t${guids[c]}\t${srcTxg(c)}\t${creation(c)}\t-\t-\t-\t-\t-\t-\t-`);
      bookmarks++;
    }
    if (kind === 'new') return;
    const T = `${TARGET_ROOT}/${name}`;
    let token = '-';
    if (kind === 'behind' && byKind.behind <= RESUME_TOKENS) {
      // an interrupted incremental receive of the next snapshot
      token = `1-${(0x1000 + leaf!).toString(16)}-e0-789c6360640003${guidHex(guids[onTarget]!)}${guidHex(guids[onTarget - 1]!)}`;
      tokens[token] = [
        'resume token contents:', 'nvlist version: 0', `\tfromguid = 0x${guidHex(guids[onTarget - 1]!)}`, '\tobject = 0x81',
        '\toffset = 0xe0000', '\tbytes = 0x14f8f8', `\ttoguid = 0x${guidHex(guids[onTarget]!)}`, `\ttoname = ${name}@${names[onTarget]}`,
        `send from ${name}@${names[onTarget - 1]} to ${name}@${names[onTarget]} estimated size is 2.88M`, 'total estimated size is 2.88M', '',
      ].join('\n');
    }
    dst.push(dsLine(T, guid(), 30 + index, 0, token));
    for (let k = 0; k < onTarget; k++) {
      const held = k === onTarget - 1;
      if (held) dstHolds.push(`${T}@${names[k]}\t${lrTag}\t${holdTime(creation(k) + 120)}`);
      dst.push(`${T}@${names[k]}\tsnapshot\t${guids[k]}\t${dstTxg(k)}\t${creation(k)}\t${held ? 1 : 0}\t${written(k)}\toff\t-\t-\t-\t-`);
    }
  });

  const mode = spec.pruning ?? 'steady';
  const grid = mode === 'off' ? null : PRUNE_GRIDS[mode];
  const config = [
    `# zform planning benchmark: ${spec.datasets} datasets x ${S} snapshots per side (generated by bench/lib/inventory.ts)`,
    'jobs:',
    `  - name: ${spec.job}`,
    '    source:',
    '      host: local',
    `      filesystems: { "${SOURCE_ROOT}<": true }`,
    '    target:',
    '      host: local',
    `      root_fs: ${TARGET_ROOT}`,
    '    snapshotting: { prefix: zform_, interval: 1h }',
    '    replication:',
    '      protection: { initial: guarantee_resumability, incremental: guarantee_incremental }',
    '      snapshots: "^zform_"',
    ...(grid === null ? [] : [
      '    pruning:',
      '      keep_source:',
      '        - type: not_replicated',
      '        - type: grid',
      `          grid: "${grid}"`,
      '          regex: "^zform_"',
      '      keep_target:',
      '        - type: grid',
      `          grid: "${grid}"`,
      '          regex: "^zform_"',
    ]),
    '',
  ].join('\n');
  const text = (lines: string[]) => (lines.length === 0 ? '' : lines.join('\n') + '\n');
  return {
    list: { [SOURCE_ROOT]: text(src), [TARGET_ROOT]: text(dst) },
    placeholders: { [SOURCE_ROOT]: '', [TARGET_ROOT]: `${TARGET_ROOT}\ton\n` },
    holds: text([...srcHolds, ...dstHolds]),
    tokens,
    config,
    counts: {
      datasets: datasets.length, snapshotsPerSide, bookmarks, holds: srcHolds.length + dstHolds.length, byKind,
      resumeTokens: Object.keys(tokens).length,
    },
  };
}

/** The column list the stand-in expects after `-o` (it refuses any other: the files have these columns). */
export const COLUMNS = LIST_COLUMNS.join(',');
/** the columns zform asks of snapshots and bookmarks (`zfs list -d 1`) */
export const VERSION_COLUMNS = VERSION_LIST_COLUMNS.join(',');
