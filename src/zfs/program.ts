// Bookmark bookkeeping of many datasets in one command: a ZFS channel program (`zfs program -j POOL - ARGS`, the
// script on stdin) that creates and destroys bookmarks in groups. One group is one dataset chain's consecutive
// bookkeeping (its new cursor, then the cursors it supersedes), so a group runs in order and stops at its first
// failure while the other groups go on. Pure parts only: the script, its argv, batching and the reading of its result.
import type { BookmarkOp } from './types.js';
import { LINUX_ARGV_OVERHEAD } from './argv.js';

/** The channel program. argv: groups, each opened by "g"; "b SOURCE NEW" creates a bookmark, "d NAME" destroys one
 *  (a missing one is no failure, as `zform` treats `zfs destroy`). It returns "unsupported" before doing anything
 *  when this OpenZFS lacks zfs.sync.bookmark (before 2.0), else its failures as "GROUP:OP:ERRNO" joined by ",",
 *  GROUP counted from 1 and OP from 0 within the group. It never raises an error itself, so the changes it made are
 *  exactly those its result does not list. */
export const BOOKKEEPING_PROGRAM = `-- zform: bookmark bookkeeping
local argv = (...)["argv"]
if zfs.sync.bookmark == nil or zfs.sync.destroy == nil then return "unsupported" end
local out = {}
local g, k, stopped, i = 0, 0, false, 1
while argv[i] ~= nil do
  local op = argv[i]
  if op == "g" then
    g = g + 1; k = 0; stopped = false; i = i + 1
  else
    local err = 0
    if not stopped then
      if op == "b" then err = zfs.sync.bookmark(argv[i + 1], argv[i + 2])
      else err = zfs.sync.destroy(argv[i + 1]); if err == 2 then err = 0 end end
      if err ~= 0 then out[#out + 1] = g .. ":" .. k .. ":" .. err; stopped = true end
    end
    k = k + 1
    if op == "b" then i = i + 3 else i = i + 2 end
  end
end
return table.concat(out, ",")
`;

/** The pool an operation works in (channel programs act on one pool). */
export function computeOpPool(op: BookmarkOp): string {
  return op.bookmark.split(/[/@#]/)[0]!;
}

function opArgs(op: BookmarkOp): string[] {
  return op.op === 'bookmark' ? ['b', op.snapshot, op.bookmark] : ['d', op.bookmark];
}

export interface ProgramBatch {
  pool: string;
  /** indexes of the groups in this batch, in order */
  groups: number[];
  /** the script's arguments */
  args: string[];
}

/** Operations per program at most: a channel program runs in the pool's syncing context, where a long one delays the
 *  pool's transaction group; a thousand bookmarks take a fraction of a second. */
export const MAX_PROGRAM_OPS = 1000;

/** Batches of groups per pool whose arguments fit the argv budget and MAX_PROGRAM_OPS (a group is never split; one
 *  that alone exceeds either gets a batch of its own). Empty groups are left out. */
export function computeProgramBatches(groups: BookmarkOp[][], budget: number, perArgument = LINUX_ARGV_OVERHEAD, maxOps = MAX_PROGRAM_OPS): ProgramBatch[] {
  const byPool = new Map<string, number[]>();
  groups.forEach((g, i) => {
    if (g.length === 0) return;
    const pool = computeOpPool(g[0]!);
    byPool.set(pool, [...(byPool.get(pool) ?? []), i]);
  });
  const out: ProgramBatch[] = [];
  for (const [pool, idx] of byPool) {
    let cur: ProgramBatch | null = null;
    let size = 0;
    let ops = 0;
    for (const i of idx) {
      const args = ['g', ...groups[i]!.flatMap(opArgs)];
      const n = args.reduce((s, a) => s + Buffer.byteLength(a) + perArgument, 0);
      const k = groups[i]!.length;
      if (cur === null || (cur.groups.length > 0 && (size + n > budget || ops + k > maxOps))) {
        cur = { pool, groups: [], args: [] };
        out.push(cur);
        size = 0;
        ops = 0;
      }
      cur.groups.push(i);
      cur.args.push(...args);
      size += n;
      ops += k;
    }
  }
  return out;
}

export interface ProgramFailure {
  /** index within the batch's groups */
  group: number;
  /** index of the failed operation within its group */
  op: number;
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
    const m = /^(\d+):(\d+):(\d+)$/.exec(item);
    if (!m) return null;
    out.push({ group: Number(m[1]) - 1, op: Number(m[2]), errno: Number(m[3]) });
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
export function computeOpFailureLine(op: BookmarkOp, errno: number): string {
  const why = ERRNO_TEXT[errno] ?? `error ${errno}`;
  if (op.op === 'bookmark') return `cannot create bookmark '${op.bookmark}': ${why}`;
  return errno === 16 ? `cannot destroy '${op.bookmark}': dataset is busy` : `cannot destroy '${op.bookmark}': ${why}`;
}
