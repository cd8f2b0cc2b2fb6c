// Bookmark creations of many datasets in one command: a ZFS channel program (`zfs program -j POOL - ARGS`, the
// script on stdin). OpenZFS's channel programs can create bookmarks (zfs.sync.bookmark, since 2.0) but not destroy
// them (zfs.sync.destroy takes a bookmark's name for a dataset's and answers ENOENT, seen on 2.1), so destroys stay
// one `zfs destroy` each. Pure parts only: the script, its argv, batching and the reading of its result.
import type { BookmarkGroupFailure, BookmarkOp, ZfsHost } from './types.js';
import { ZfsError } from './errors.js';
import { LINUX_ARGV_OVERHEAD } from './argv.js';
import { addTo } from '../multimap.js';

/** The channel program. argv: "SOURCE NEW" pairs, one bookmark each, each pair in its own group (one dataset chain's
 *  new bookmarks are consecutive groups of the caller's). It returns "unsupported" before doing anything when this
 *  OpenZFS lacks zfs.sync.bookmark (before 2.0), else its failures as "PAIR:ERRNO" joined by ",", PAIR counted from
 *  1. It never raises an error itself, so the bookmarks it made are exactly those its result does not list. */
export const BOOKKEEPING_PROGRAM = `-- zform: bookmarks
local argv = (...)["argv"]
if zfs.sync.bookmark == nil then return "unsupported" end
local out = {}
local i, n = 1, 0
while argv[i] ~= nil do
  n = n + 1
  local err = zfs.sync.bookmark(argv[i], argv[i + 1])
  if err ~= 0 then out[#out + 1] = n .. ":" .. err end
  i = i + 2
end
return table.concat(out, ",")
`;

/** The pool an operation works in (channel programs act on one pool). */
export function computeOpPool(op: BookmarkOp): string {
  return op.bookmark.split(/[/@#]/)[0]!;
}

type BookmarkCreate = Extract<BookmarkOp, { op: 'bookmark' }>;

export interface ProgramBatch {
  pool: string;
  /** indexes of the bookmarks in this batch, in order */
  items: number[];
  /** the script's arguments */
  args: string[];
}

/** Operations per program at most: a channel program runs in the pool's syncing context, where a long one delays the
 *  pool's transaction group; a thousand bookmarks take a fraction of a second. */
export const MAX_PROGRAM_OPS = 1000;

/** Batches of bookmark creations per pool whose arguments fit the argv budget and MAX_PROGRAM_OPS. */
export function computeProgramBatches(items: BookmarkCreate[], budget: number, perArgument = LINUX_ARGV_OVERHEAD, maxOps = MAX_PROGRAM_OPS): ProgramBatch[] {
  const byPool = new Map<string, number[]>();
  items.forEach((op, i) => {
    const pool = computeOpPool(op);
    addTo(byPool, pool, i);
  });
  const out: ProgramBatch[] = [];
  for (const [pool, idx] of byPool) {
    let cur: ProgramBatch | null = null;
    let size = 0;
    for (const i of idx) {
      const args = [items[i]!.snapshot, items[i]!.bookmark];
      const n = args.reduce((s, a) => s + Buffer.byteLength(a) + perArgument, 0);
      if (cur === null || (cur.items.length > 0 && (size + n > budget || cur.items.length >= maxOps))) {
        cur = { pool, items: [], args: [] };
        out.push(cur);
        size = 0;
      }
      cur.items.push(i);
      cur.args.push(...args);
      size += n;
    }
  }
  return out;
}

export interface ProgramFailure {
  /** index within the batch's items */
  item: number;
  errno: number;
}

/** Reads `zfs program -j`'s output: null when the program could not run here ("unsupported", or not our result). */
export function parseProgramResult(stdout: string): ProgramFailure[] | null {
  let ret: unknown;
  try {
    ret = (JSON.parse(stdout) as { return?: unknown }).return;
  } catch {
    return null;
  }
  if (typeof ret !== 'string' || ret === 'unsupported') return null;
  if (ret === '') return [];
  const out: ProgramFailure[] = [];
  for (const item of ret.split(',')) {
    const m = /^(\d+):(\d+)$/.exec(item);
    if (!m) return null;
    out.push({ item: Number(m[1]) - 1, errno: Number(m[2]) });
  }
  return out;
}

const ERRNO_TEXT: Record<number, string> = {
  1: 'permission denied', 2: 'dataset does not exist', 3: 'dataset does not exist', 13: 'permission denied', 16: 'dataset is busy',
  17: 'bookmark exists', 18: "source is not an ancestor of the new bookmark's dataset", 22: 'invalid argument',
  28: 'out of space', 95: 'operation not supported', 122: 'quota exceeded',
};

/** The stderr line the zfs command would have printed for a failed operation (so that the error codes and messages
 *  are those of the per-operation path). */
export function computeOpFailureLine(op: BookmarkCreate, errno: number): string {
  return `cannot create bookmark '${op.bookmark}': ${ERRNO_TEXT[errno] ?? `error ${errno}`}`;
}

export interface BookmarkGroupRunner {
  /** whether to try channel programs (false once the host refused one) */
  programs: boolean;
  budget: { bytes: number; perArgument: number };
  /** runs one batch as a channel program: its failures, or null when the host refused it or it did not finish */
  program(batch: ProgramBatch): Promise<ProgramFailure[] | null>;
  /** a group's operations one command each, from index `from` */
  oneByOne(group: BookmarkOp[], from: number): Promise<BookmarkGroupFailure | null>;
  /** the error of a bookmark the program could not make */
  failure(op: BookmarkCreate, errno: number): ZfsError;
}

/** ZfsHost.bookmarkGroups over a host's commands (CommandZfsHost's): each group's leading bookmark
 *  creations go into channel programs, the rest (destroys) run one command each afterwards, for the groups whose
 *  creations succeeded. A program the host refuses sends everything down the one-by-one path; what a cut-short
 *  program made is harmless to redo (an existing bookmark of the same snapshot is fine). A group whose creation
 *  fails may have had its later creations made by the program: they are what the plan wanted anyway, and the next
 *  plan removes tentative cursors no step needs. `refused`: the host refused a program (ask no more). */
export async function runBookmarkGroups(groups: BookmarkOp[][], r: BookmarkGroupRunner): Promise<{ results: (BookmarkGroupFailure | null)[]; refused: boolean }> {
  const results: (BookmarkGroupFailure | null)[] = groups.map(() => null);
  const lead = groups.map((g) => { const k = g.findIndex((o) => o.op !== 'bookmark'); return k < 0 ? g.length : k; });
  const creates: { gi: number; k: number; op: BookmarkCreate }[] = [];
  groups.forEach((g, gi) => g.slice(0, lead[gi]).forEach((op, k) => creates.push({ gi, k, op: op as BookmarkCreate })));
  const from = groups.map(() => 0); // where each group's one-by-one part starts (-1: none)
  let refused = false;
  if (r.programs && creates.length > 1) {
    const failed = new Map<number, { k: number; errno: number }>();
    for (const batch of computeProgramBatches(creates.map((c) => c.op), r.budget.bytes, r.budget.perArgument)) {
      const failures = await r.program(batch);
      if (failures === null) { refused = true; break; }
      for (const f of failures) {
        const c = creates[batch.items[f.item] ?? -1];
        if (!c) continue;
        const seen = failed.get(c.gi);
        if (!seen || c.k < seen.k) failed.set(c.gi, { k: c.k, errno: f.errno });
      }
    }
    if (!refused) {
      groups.forEach((_, gi) => {
        const f = failed.get(gi);
        if (!f) from[gi] = lead[gi]!;
        else if (f.errno === 17) from[gi] = f.k; // exists: fine if the same snapshot's (the one-by-one path checks)
        else {
          results[gi] = { op: f.k, error: r.failure(groups[gi]![f.k] as BookmarkCreate, f.errno) };
          from[gi] = -1;
        }
      });
    }
  }
  for (const [gi, g] of groups.entries()) if (from[gi]! >= 0 && from[gi]! < g.length) results[gi] = await r.oneByOne(g, from[gi]!);
  return { results, refused };
}

/** A group's operations one command each (bookmark(), destroy()), from index `from`: null, or the failure that stopped it. */
export async function runOneByOne(host: Pick<ZfsHost, 'bookmark' | 'destroy'>, group: BookmarkOp[], from: number): Promise<BookmarkGroupFailure | null> {
  for (const [k, op] of group.entries()) {
    if (k < from) continue;
    try {
      if (op.op === 'bookmark') await host.bookmark(op.snapshot, op.bookmark);
      else await host.destroy([op.bookmark]);
    } catch (err) {
      if (err instanceof ZfsError) return { op: k, error: err };
      throw err;
    }
  }
  return null;
}
