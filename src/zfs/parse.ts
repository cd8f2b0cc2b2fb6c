// Pure parsers of `zfs list/get/holds -H -p` output into the ZFS layer's record types.
import type { DatasetRecord, HoldRecord, VersionRecord } from './types.js';
import { VersionTable, VersionTableBuilder, computeSortedVersions } from './version-table.js';
import { ZformError } from '../errors.js';
import { TabbedLineSplitter } from './lines.js';

/** The columns of the dataset listing, in this order (see computeListArgv): zfs's own, never a user property. A user
 *  property's value is any text, newlines and tabs included, set by whoever may set properties on that dataset
 *  (delegated `userprop`): in a `-H` listing such a value could end its line and forge the rows after it. */
export const LIST_COLUMNS = [
  'name', 'type', 'guid', 'createtxg', 'creation', 'userrefs', 'written',
  'encryption', 'encryptionroot', 'keystatus', 'receive_resume_token', 'origin',
] as const;

/** The columns of the snapshot and bookmark listing (see computeVersionListArgv): a version's own. The rest of
 *  LIST_COLUMNS (encryption, its root, the key's status, a resume token) belong to its dataset: asking them of every
 *  snapshot would cost zfs a lookup each and the listing about a tenth of its bytes. `numclones` (one of OpenZFS
 *  2.2's fast columns) says which snapshots `zfs destroy` would refuse: those a clone was made from. */
export const VERSION_LIST_COLUMNS = ['name', 'type', 'guid', 'createtxg', 'creation', 'userrefs', 'written', 'numclones'] as const;

/** Output that does not have the shape we asked for: a bug or an unsupported OpenZFS. */
export class ZfsParseError extends ZformError {
  constructor(what: string, line: number, text: string) {
    super('zfs', `cannot parse ${what} line ${line}: ${JSON.stringify(text.length > 200 ? text.slice(0, 200) + '...' : text)}`);
    this.name = 'ZfsParseError';
  }
}

function lines(text: string): string[] {
  const out = text.split('\n');
  if (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

/** Where a line of a listing is (for its error message). */
interface LineAt { buf: Buffer; start: number; end: number; no: number; what: string }

function failAt(l: LineAt): never {
  throw new ZfsParseError(l.what, l.no, l.buf.toString('utf8', l.start, l.end));
}

/** Whether buf[from, to) is one or more ASCII digits. */
function isDigits(buf: Buffer, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) {
    const c = buf[i]!;
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** A count column, `-` as 0, read from its bytes (no string per column: a listing can have millions). */
function parseCountAt(l: LineAt, from: number, to: number): number {
  const b = l.buf;
  if (to - from === 1 && b[from] === 45 /* - */) return 0;
  if (!isDigits(b, from, to)) failAt(l);
  if (to - from > 15) return Number(b.toString('latin1', from, to)); // beyond 2^53 rounds the way Number() does
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + (b[i]! - 48);
  return n;
}

/** Where the last guidStart or digitsTo stopped (the byte after the digits). */
let digitsEnd = 0;

/** Where the significant digits of the GUID column from buf[from] start (the last digit if all are zeros), the
 *  column being ASCII digits up to the byte `stop`, at most 20 of them significant (uint64); else -1. digitsEnd is
 *  where it stopped. The one rule for a GUID column: the listing's one-pass read and the line reader both use it. */
function guidStart(buf: Buffer, from: number, stop: number): number {
  let p = from;
  let first = -1;
  let c = buf[p]!;
  while (c >= 48 && c <= 57) {
    if (first < 0 && c !== 48) first = p;
    c = buf[++p]!;
  }
  digitsEnd = p;
  if (c !== stop || p === from) return -1;
  const at = first < 0 ? p - 1 : first;
  return p - at > 20 ? -1 : at;
}

/** guidStart of the column buf[from, to) (ended by a tab), failing the line if it is not a GUID. A version's digits
 *  go to its table as they are, no string made. */
function guidStartAt(l: LineAt, from: number, to: number): number {
  const at = guidStart(l.buf, from, 9);
  if (at < 0 || digitsEnd !== to) failAt(l);
  return at;
}

/** A GUID column as an exact decimal string without leading zeros (uint64 does not fit a number). */
function parseGuidAt(l: LineAt, from: number, to: number): string {
  return l.buf.toString('latin1', guidStartAt(l, from, to), to);
}

const SNAPSHOT_BYTES = Buffer.from('snapshot');

/** The number in buf from `from` up to the byte `stop`: 1 to 15 ASCII digits and then `stop`, else -1. digitsEnd is
 *  where it stopped. */
function digitsTo(buf: Buffer, from: number, stop: number): number {
  let n = 0;
  let p = from;
  let c = buf[p]!;
  while (c >= 48 && c <= 57) {
    n = n * 10 + (c - 48);
    c = buf[++p]!;
  }
  digitsEnd = p;
  return c === stop && p > from && p - from <= 15 ? n : -1;
}

/** Whether buf[from, to) is exactly the ASCII word. */
function isWord(buf: Buffer, from: number, to: number, word: string): boolean {
  if (to - from !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (buf[from + i] !== word.charCodeAt(i)) return false;
  return true;
}

/** Whether buf[from, to) holds the same bytes as other. */
function isSameBytes(buf: Buffer, from: number, to: number, other: Buffer): boolean {
  if (to - from !== other.length) return false;
  for (let i = 0; i < other.length; i++) if (buf[from + i] !== other[i]) return false;
  return true;
}

/** Where byte c first is in buf[from, to), -1 if not there. */
function findByte(buf: Buffer, from: number, to: number, c: number): number {
  for (let i = from; i < to; i++) if (buf[i] === c) return i;
  return -1;
}

/** Strings for repeated byte sequences (snapshot names repeat across datasets: one atomic `zfs snapshot` per pool):
 *  one string each, found by a hash of the bytes, so a repeated name costs neither a decode nor memory. Each name
 *  remembers the one that came after it last time: the next dataset's snapshots mostly come in the same order, so a
 *  name is mostly found by one comparison, without hashing it. */
interface SharedName { bytes: Buffer; text: string; id: number; next: SharedName | null; after: SharedName | null }
class SharedNames {
  private readonly byHash = new Map<number, SharedName>();
  private last: SharedName | null = null;

  /** `idOf` numbers each new name (its id in the table the versions go to) */
  constructor(private readonly idOf: (text: string) => number) {}

  get(buf: Buffer, from: number, to: number): SharedName {
    const guess = this.last?.after ?? null;
    if (guess !== null && isSameBytes(buf, from, to, guess.bytes)) {
      this.last = guess;
      return guess;
    }
    let h = 0x811c9dc5; // FNV-1a
    for (let i = from; i < to; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
    const first = this.byHash.get(h) ?? null;
    let found: SharedName | null = null;
    for (let e = first; e !== null && found === null; e = e.next) if (isSameBytes(buf, from, to, e.bytes)) found = e;
    if (found === null) {
      const bytes = Buffer.from(buf.subarray(from, to));
      const text = bytes.toString('utf8');
      found = { bytes, text, id: this.idOf(text), next: first, after: null };
      this.byHash.set(h, found);
    }
    if (this.last !== null) this.last.after = found;
    this.last = found;
    return found;
  }
}

/** Whether a listing of these roots (`zfs list -r`) can name something twice: when a root is another's ancestor, or
 *  the same root is given twice. */
export function computeRootsNest(roots: string[]): boolean {
  const sorted = [...roots].sort();
  for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1] || sorted[i]!.startsWith(sorted[i - 1] + '/')) return true;
  // "a" < "a-b" < "a/b" in code units: an ancestor is not always right before its descendant
  const set = new Set(roots);
  for (const r of roots) for (let at = r.lastIndexOf('/'); at > 0; at = r.lastIndexOf('/', at - 1)) if (set.has(r.slice(0, at))) return true;
  return false;
}

/** Parses `zfs list -H -p -o LIST_COLUMNS` output as it streams in (push each chunk of stdout, then end()): datasets
 *  and versions, without placeholders and holds. Only records are kept, never the text. With `nested: false` (the
 *  roots do not nest, computeRootsNest) no name can come twice, and the parser keeps no set of the names seen. */
export class ListParser {
  private readonly datasets: DatasetRecord[] = [];
  /** the versions as columns, no object per version (see version-table.ts) */
  private readonly versions = new VersionTableBuilder();
  // Nested roots list their common subtree twice: a name seen before is skipped. Versions are remembered per
  // dataset under their shared short name, which is much cheaper than a set of a million full names.
  private readonly seenDatasets = new Set<string>();
  private readonly seenVersions = { snapshot: new Map<string, Set<string>>(), bookmark: new Map<string, Set<string>>() };
  // Every dataset's versions carry its name (zfs lists a dataset's versions right after it), and snapshot names
  // repeat across datasets: sharing those strings keeps a large listing's memory in proportion to what is distinct.
  private readonly shortNames = new SharedNames((text) => this.versions.addName(text));
  private lastDataset = '';
  /** the id of lastDataset in the table */
  private lastDatasetId = -1;
  private lastDatasetBytes = Buffer.alloc(0);
  private readonly at: LineAt = { buf: Buffer.alloc(0), start: 0, end: 0, no: 0, what: 'zfs list' };
  private readonly lines: TabbedLineSplitter;
  private readonly nested: boolean;
  /** the listing has VERSION_LIST_COLUMNS, and versions only */
  private readonly versionsOnly: boolean;
  /** how many columns each line has */
  private readonly columns: number;
  // How far the versions came in their sorted order, checked as each comes (while it is at hand, instead of a second
  // pass over a million records at the end). zfs lists each dataset's versions in one run, the datasets in order, and
  // a dataset's bookmarks after its snapshots: then only the runs with a bookmark are put in order at the end (a
  // merge of two sorted parts), not the whole listing regrouped.
  /** every dataset's versions in one run, the runs in dataset order */
  private grouped = true;
  /** [start, first descent, end) of the runs not in createtxg order */
  private readonly unsortedRuns: number[] = [];
  private runStart = 0;
  /** the dataset of the version before */
  private previousDataset = '';
  private runSorted = true;
  /** where the run stopped being in order (the first version less than the one before it) */
  private runDescent = 0;

  constructor(opts: { nested?: boolean; versionsOnly?: boolean } = {}) {
    this.nested = opts.nested ?? true;
    this.versionsOnly = opts.versionsOnly ?? false;
    this.columns = this.versionsOnly ? VERSION_LIST_COLUMNS.length : LIST_COLUMNS.length;
    this.lines = new TabbedLineSplitter(this.columns, (buf, start, end, tabs, nTabs, no) => {
      const l = this.at; // one object for every line: a listing has millions
      l.buf = buf; l.start = start; l.end = end; l.no = no;
      this.line(l, tabs, nTabs);
      // nested roots: the check for a name listed twice stays with `line`, every line read by it
    }, this.versionsOnly && !this.nested ? (buf, start) => this.snapshotLine(buf, start) : null);
  }

  push(chunk: Buffer): void {
    this.lines.push(chunk);
  }

  end(): { datasets: DatasetRecord[]; table: VersionTable } {
    this.lines.end();
    const versions = this.versions;
    if (!this.grouped) return { datasets: this.datasets, table: VersionTable.from(versions.finish().records()) };
    this.endRun(versions.length);
    const runs = this.unsortedRuns;
    for (let r = 0; r < runs.length; r += 3) versions.sortRun(runs[r]!, runs[r + 1]!, runs[r + 2]!);
    runs.length = 0;
    return { datasets: this.datasets, table: versions.finish() };
  }

  /** The run of one dataset's versions ends before index `end`. */
  private endRun(end: number): void {
    if (!this.runSorted) this.unsortedRuns.push(this.runStart, this.runDescent, end);
    this.runStart = end;
    this.runSorted = true;
  }

  /** A version of lastDataset into the table, its run's order noted. */
  private addVersion(
    snapshot: boolean, nameId: number, buf: Buffer, guidFrom: number, guidTo: number,
    createtxg: number, creation: number, userrefs: number, written: number, clones: number,
  ): void {
    const table = this.versions;
    const i = table.length;
    table.push(snapshot, this.lastDatasetId, nameId, buf, guidFrom, guidTo, createtxg, creation, userrefs, written, clones);
    const dataset = this.lastDataset;
    if (i > 0 && this.grouped) {
      const previous = this.previousDataset;
      if (previous !== dataset) {
        if (previous > dataset) this.grouped = false;
        else this.endRun(i);
      } else if (this.runSorted && table.compareInDataset(i - 1, i) > 0) {
        this.runSorted = false;
        this.runDescent = i;
      }
    }
    this.previousDataset = dataset;
  }

  /** The usual line of a version listing, read in the one pass that finds its end (TabbedLineSplitter's fastLine): a
   *  snapshot of the dataset of the line before, every column plain digits. Returns where the next line starts, or
   *  -1, having changed nothing, for any other line (a new dataset, a bookmark, `-`, a long number, anything odd),
   *  which `line` then reads and judges as before. */
  private snapshotLine(buf: Buffer, start: number): number {
    const known = this.lastDatasetBytes;
    const k = known.length;
    if (k === 0 || buf[start + k] !== 64 /* @ */) return -1;
    for (let i = 0; i < k; i++) if (buf[start + i] !== known[i]) return -1;
    const nameFrom = start + k + 1;
    let p = nameFrom;
    for (let c = buf[p]; c !== 9; c = buf[++p]) if (c === 10) return -1;
    const nameTo = p;
    for (let i = 0; i < 8; i++) if (buf[p + 1 + i] !== SNAPSHOT_BYTES[i]) return -1;
    p += 9;
    if (buf[p] !== 9) return -1;
    const guidFrom = guidStart(buf, p + 1, 9);
    if (guidFrom < 0) return -1;
    const guidTo = digitsEnd;
    const createtxg = digitsTo(buf, guidTo + 1, 9);
    if (createtxg < 0) return -1;
    const creation = digitsTo(buf, digitsEnd + 1, 9);
    if (creation < 0) return -1;
    const userrefs = digitsTo(buf, digitsEnd + 1, 9);
    if (userrefs < 0) return -1;
    const written = digitsTo(buf, digitsEnd + 1, 9);
    if (written < 0) return -1;
    const clones = digitsTo(buf, digitsEnd + 1, 10);
    if (clones < 0) return -1;
    this.addVersion(true, this.shortNames.get(buf, nameFrom, nameTo).id, buf, guidFrom, guidTo, createtxg, creation, userrefs, written, clones);
    return digitsEnd + 1;
  }

  private line(l: LineAt, tabs: Int32Array, nTabs: number): void {
    // exactly the columns asked for
    if (nTabs !== this.columns - 1) failAt(l);
    const buf = l.buf;
    const t0 = tabs[0]! + 1;
    const t1 = tabs[1]!;
    const snapshot = isWord(buf, t0, t1, 'snapshot');
    if (snapshot || isWord(buf, t0, t1, 'bookmark')) {
      const type = snapshot ? 'snapshot' : 'bookmark';
      const sep = snapshot ? 64 /* @ */ : 35 /* # */;
      // mostly the dataset of the line before: its name and the separator, found without a search
      const known = this.lastDatasetBytes.length;
      const same = known > 0 && l.start + known < tabs[0]! && buf[l.start + known] === sep && isSameBytes(buf, l.start, l.start + known, this.lastDatasetBytes);
      const at = same ? l.start + known : findByte(buf, l.start, tabs[0]!, sep);
      if (at <= l.start) {
        if (this.seenDatasets.has(buf.toString('utf8', l.start, tabs[0]))) return; // a name seen before is skipped whatever its line says
        failAt(l);
      }
      if (!same && !isSameBytes(buf, l.start, at, this.lastDatasetBytes)) {
        // a name with @ or # in it (no ZFS name has) is never the known one: the search finds the first separator
        const bytes = buf.subarray(l.start, at);
        this.lastDatasetBytes = bytes.includes(64) || bytes.includes(35) ? Buffer.alloc(0) : Buffer.from(bytes);
        this.lastDataset = bytes.toString('utf8');
        this.lastDatasetId = this.versions.addDataset(this.lastDataset);
      }
      const dataset = this.lastDataset;
      const entry = this.shortNames.get(buf, at + 1, tabs[0]!);
      const shared = entry.text;
      if (this.nested) {
        const byDataset = this.seenVersions[type];
        let names = byDataset.get(dataset);
        if (!names) byDataset.set(dataset, (names = new Set()));
        if (names.has(shared)) return;
        names.add(shared);
      }
      this.addVersion(
        snapshot, entry.id, buf, guidStartAt(l, t1 + 1, tabs[2]!), tabs[2]!,
        parseCountAt(l, tabs[2]! + 1, tabs[3]!),
        parseCountAt(l, tabs[3]! + 1, tabs[4]!),
        snapshot ? parseCountAt(l, tabs[4]! + 1, tabs[5]!) : 0,
        snapshot ? parseCountAt(l, tabs[5]! + 1, nTabs > 6 ? tabs[6]! : l.end) : 0,
        // numclones: asked in a version listing only (the last column)
        snapshot && this.versionsOnly ? parseCountAt(l, tabs[6]! + 1, l.end) : 0,
      );
      return;
    }
    const col = (i: number) => buf.toString('utf8', i === 0 ? l.start : tabs[i - 1]! + 1, i < nTabs ? tabs[i] : l.end);
    if (this.versionsOnly) failAt(l); // a dataset where only snapshots and bookmarks were asked for
    const name = col(0);
    const type = col(1);
    if (type !== 'filesystem' && type !== 'volume') {
      if (this.seenDatasets.has(name)) return;
      failAt(l);
    }
    if (this.seenDatasets.has(name)) return;
    this.seenDatasets.add(name);
    const encryption = col(7);
    const encryptionroot = col(8);
    const keystatus = col(9);
    const token = col(10);
    const origin = col(11);
    this.datasets.push({
      name,
      type,
      guid: parseGuidAt(l, t1 + 1, tabs[2]!),
      createtxg: parseCountAt(l, tabs[2]! + 1, tabs[3]!),
      encryption: encryption === '-' ? 'off' : encryption,
      encryptionRoot: encryptionroot === '-' || encryptionroot === '' ? null : encryptionroot,
      keyStatus: keystatus === 'available' || keystatus === 'unavailable' ? keystatus : null,
      resumeToken: token === '-' || token === '' ? null : token,
      origin: origin === '-' || origin === '' ? null : origin,
      placeholder: false,
      written: parseCountAt(l, tabs[5]! + 1, tabs[6]!),
    });
  }
}

/** Datasets and versions (without placeholders and holds) from the whole text of `zfs list -H -p -o LIST_COLUMNS`. */
export function parseList(stdout: string): { datasets: DatasetRecord[]; versions: VersionRecord[] } {
  const p = new ListParser();
  p.push(Buffer.from(stdout));
  const { datasets, table } = p.end();
  return { datasets, versions: table.records() };
}

export { computeSortedVersions };

/**
 * The datasets that `zfs get -H -p -r -t filesystem,volume -o name,value,source zform:placeholder ROOT...`
 * (computePlaceholderArgv) shows "on" set locally: candidates only, unless the answer is exactly one line for each
 * dataset listed (parsePlaceholderCheck of every listed name: then it is the answer). A user property's value is any
 * text, and whoever may set it (delegated `userprop` on their own dataset) can put a newline and a forged line
 * "<another dataset>\ton\tlocal" in it; every dataset's own line is still there, so such a line is always one too
 * many. A line counts here only when its name is a dataset listed; a line of another shape (the rest of a value with a
 * newline) is passed over, not an error that would fail the whole listing.
 */
export function parsePlaceholders(stdout: string, listed: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  for (const line of lines(stdout)) {
    const first = line.indexOf('\t');
    const last = line.lastIndexOf('\t');
    if (first <= 0 || last === first) continue;
    const name = line.slice(0, first);
    if (listed.has(name) && line.slice(first + 1, last) === 'on' && line.slice(last + 1) === 'local') out.add(name);
  }
  return out;
}

/**
 * Which of `candidates` have zform:placeholder set locally to "on", from `zfs get -H -p -o name,value,source
 * zform:placeholder CANDIDATE...` (no -s: one line for each dataset named), or from the recursive `get` of the roots
 * with every dataset listed as `candidates`; null when that cannot be told for certain. A value with a newline makes
 * more lines than datasets: then, and for a dataset twice or a line of none of them, null (the caller asks by name). With one line each, a line is its dataset's:
 * the name up to the first tab, the source after the last (neither has a tab), the value between.
 */
export function parsePlaceholderCheck(stdout: string, candidates: readonly string[]): Set<string> | null {
  const rows = lines(stdout);
  if (rows.length !== candidates.length) return null;
  const wanted = new Set(candidates);
  const seen = new Set<string>();
  const out = new Set<string>();
  for (const row of rows) {
    const first = row.indexOf('\t');
    const last = row.lastIndexOf('\t');
    if (first <= 0 || last === first) return null;
    const name = row.slice(0, first);
    if (!wanted.has(name) || seen.has(name)) return null;
    seen.add(name);
    if (row.slice(first + 1, last) === 'on' && row.slice(last + 1) === 'local') out.add(name);
  }
  return out;
}

/** `zfs holds -H [-p]` as it streams in (push each chunk, then end()): name, tag, timestamp (unix seconds with -p;
 *  OpenZFS 2.1 has no -p and prints ctime, which names no time zone, so `created` is left out then). A tag is any
 *  text, newlines and tabs included, chosen by whoever may hold that snapshot: with `asked` (the snapshots named), a
 *  line that is not one of them, a tab, a tag, a tab and more is a piece of such a tag, and passed over (a line of
 *  one of them may still be forged: the caller counts them against userrefs). */
export class HoldsParser {
  private readonly holds: HoldRecord[] = [];
  constructor(private readonly asked: ReadonlySet<string> | null = null) {}
  private readonly lines = new TabbedLineSplitter(2, (buf, start, end, tabs, nTabs, no) => {
    if (this.asked && (nTabs < 2 || !this.asked.has(buf.toString('utf8', start, tabs[0])))) return;
    const snapshot = nTabs === 2 ? buf.toString('utf8', start, tabs[0]) : '';
    const tag = nTabs === 2 ? buf.toString('utf8', tabs[0]! + 1, tabs[1]) : '';
    if (!snapshot.includes('@') || tag === '') throw new ZfsParseError('zfs holds', no, buf.toString('utf8', start, end));
    const rec: HoldRecord = { snapshot, tag };
    const time = buf.toString('latin1', tabs[1]! + 1, end);
    if (/^\d+$/.test(time)) rec.created = Number(time);
    this.holds.push(rec);
  });

  push(chunk: Buffer): void {
    this.lines.push(chunk);
  }

  end(): HoldRecord[] {
    this.lines.end();
    return this.holds;
  }
}

/** `zfs holds -H [-p]` from its whole text (see HoldsParser). */
export function parseHolds(stdout: string): HoldRecord[] {
  const p = new HoldsParser();
  p.push(Buffer.from(stdout));
  return p.end();
}

/** `zfs get -H -p -o property,value p1,p2 ds`: property → value as printed ("-" for an unset user property). */
export function parseProperties(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  lines(stdout).forEach((line, i) => {
    const tab = line.indexOf('\t');
    if (tab <= 0) throw new ZfsParseError('zfs get', i + 1, line);
    out[line.slice(0, tab)] = line.slice(tab + 1);
  });
  return out;
}

/** `zfs get -H -p -o name,value guid a b`: name → guid. */
export function parseNameValues(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  lines(stdout).forEach((line, i) => {
    const tab = line.indexOf('\t');
    if (tab <= 0) throw new ZfsParseError('zfs get', i + 1, line);
    out.set(line.slice(0, tab), line.slice(tab + 1));
  });
  return out;
}
