// Pure parsers of `zfs list/get/holds -H -p` output into the ZFS layer's record types.
import type { DatasetRecord, HoldRecord, VersionRecord } from './types.js';
import { ZformError } from '../errors.js';

/** The columns `list` asks for, in this order (see computeListArgv). */
export const LIST_COLUMNS = [
  'name', 'type', 'guid', 'createtxg', 'creation', 'userrefs', 'written',
  'encryption', 'encryptionroot', 'keystatus', 'receive_resume_token',
] as const;

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

/** Whether s[from, to) is one or more ASCII digits. */
function isDigits(s: string, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Where a line of a listing is (for its error message). */
interface LineAt { text: string; start: number; end: number; no: number; what: string }

function failAt(l: LineAt): never {
  throw new ZfsParseError(l.what, l.no, l.text.slice(l.start, l.end));
}

/** A count column, `-` as 0, read in place between two tabs (no string per column: a listing can have millions). */
function parseCountAt(l: LineAt, from: number, to: number): number {
  const s = l.text;
  if (to - from === 1 && s.charCodeAt(from) === 45 /* - */) return 0;
  if (!isDigits(s, from, to)) failAt(l);
  if (to - from > 15) return Number(s.slice(from, to)); // beyond 2^53 rounds the way Number() does
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + (s.charCodeAt(i) - 48);
  return n;
}

/** A GUID column as an exact decimal string without leading zeros (uint64 does not fit a number). */
function parseGuidAt(l: LineAt, from: number, to: number): string {
  if (!isDigits(l.text, from, to)) failAt(l);
  while (to - from > 1 && l.text.charCodeAt(from) === 48 /* 0 */) from++;
  return l.text.slice(from, to);
}

/** Whether text[from, to) is exactly word. */
function isWord(text: string, from: number, to: number, word: string): boolean {
  return to - from === word.length && text.startsWith(word, from);
}

/** Datasets and versions (without placeholders and holds) from `zfs list -H -p -o LIST_COLUMNS`. */
export function parseList(stdout: string): { datasets: DatasetRecord[]; versions: VersionRecord[] } {
  const datasets: DatasetRecord[] = [];
  const versions: VersionRecord[] = [];
  // Nested roots list their common subtree twice: a name seen before is skipped. Versions are remembered per
  // dataset under their shared short name, which is much cheaper than a set of a million full names.
  const seenDatasets = new Set<string>();
  const seenVersions = { snapshot: new Map<string, Set<string>>(), bookmark: new Map<string, Set<string>>() };
  // Every dataset's versions carry its name, and snapshot names repeat across datasets (one atomic `zfs snapshot`
  // per pool): sharing those strings keeps a large listing's memory in proportion to what is distinct.
  const shortNames = new Map<string, string>();
  let lastDataset = '';
  // tab positions in stdout: columns are read in place, without cutting the line out first
  const tabs = new Int32Array(LIST_COLUMNS.length - 1);
  const l: LineAt = { text: stdout, start: 0, end: 0, no: 0, what: 'zfs list' };
  for (let pos = 0; pos < stdout.length;) {
    let eol = stdout.indexOf('\n', pos);
    if (eol < 0) eol = stdout.length;
    l.start = pos;
    l.end = eol;
    l.no++;
    pos = eol + 1;
    // exactly LIST_COLUMNS.length columns
    let n = 0;
    for (let t = stdout.indexOf('\t', l.start); t >= 0 && t < eol; t = stdout.indexOf('\t', t + 1)) {
      if (n === tabs.length) failAt(l);
      tabs[n++] = t;
    }
    if (n !== tabs.length) failAt(l);
    const name = stdout.slice(l.start, tabs[0]);
    const col = (i: number) => stdout.slice(tabs[i - 1]! + 1, i < tabs.length ? tabs[i] : eol);
    const t0 = tabs[0]! + 1;
    const t1 = tabs[1]!;
    const snapshot = isWord(stdout, t0, t1, 'snapshot');
    if (snapshot || isWord(stdout, t0, t1, 'bookmark')) {
      const type = snapshot ? 'snapshot' : 'bookmark';
      const at = name.indexOf(snapshot ? '@' : '#');
      if (at <= 0) {
        if (seenDatasets.has(name)) continue; // a name seen before is skipped whatever its line says
        failAt(l);
      }
      // zfs lists a dataset's versions right after it
      const dataset = at === lastDataset.length && name.startsWith(lastDataset) ? lastDataset : (lastDataset = name.slice(0, at));
      const short = name.slice(at + 1);
      let shared = shortNames.get(short);
      if (shared === undefined) shortNames.set(short, (shared = short));
      const byDataset = seenVersions[type];
      let names = byDataset.get(dataset);
      if (!names) byDataset.set(dataset, (names = new Set()));
      if (names.has(shared)) continue;
      names.add(shared);
      versions.push({
        kind: type,
        dataset,
        name: shared,
        guid: parseGuidAt(l, t1 + 1, tabs[2]!),
        createtxg: parseCountAt(l, tabs[2]! + 1, tabs[3]!),
        creation: parseCountAt(l, tabs[3]! + 1, tabs[4]!),
        userrefs: snapshot ? parseCountAt(l, tabs[4]! + 1, tabs[5]!) : 0,
        written: snapshot ? parseCountAt(l, tabs[5]! + 1, tabs[6]!) : 0,
      });
      continue;
    }
    const type = col(1);
    if (type !== 'filesystem' && type !== 'volume') {
      if (seenDatasets.has(name)) continue;
      failAt(l);
    }
    if (seenDatasets.has(name)) continue;
    seenDatasets.add(name);
    const encryption = col(7);
    const encryptionroot = col(8);
    const keystatus = col(9);
    const token = col(10);
    datasets.push({
      name,
      type,
      guid: parseGuidAt(l, t1 + 1, tabs[2]!),
      createtxg: parseCountAt(l, tabs[2]! + 1, tabs[3]!),
      encryption: encryption === '-' ? 'off' : encryption,
      encryptionRoot: encryptionroot === '-' || encryptionroot === '' ? null : encryptionroot,
      keyStatus: keystatus === 'available' || keystatus === 'unavailable' ? keystatus : null,
      resumeToken: token === '-' || token === '' ? null : token,
      placeholder: false,
      written: parseCountAt(l, tabs[5]! + 1, tabs[6]!),
    });
  }
  return { datasets, versions: computeSortedVersions(versions) };
}

/** Within one dataset: createtxg, bookmark before snapshot at equal txg, then name. */
function compareInDataset(a: VersionRecord, b: VersionRecord): number {
  return a.createtxg - b.createtxg || (a.kind === b.kind ? 0 : a.kind === 'bookmark' ? -1 : 1) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}
function compareSorted(a: VersionRecord, b: VersionRecord): number {
  return a.dataset === b.dataset ? compareInDataset(a, b) : a.dataset < b.dataset ? -1 : 1;
}

/** Versions by dataset, then createtxg, bookmark before snapshot at equal txg, then name. Sorted per dataset and
 *  then by dataset name (the same total order as one sort, without comparing dataset names a million times). */
export function computeSortedVersions(versions: VersionRecord[]): VersionRecord[] {
  let sorted = true;
  for (let i = 1; i < versions.length && sorted; i++) sorted = compareSorted(versions[i - 1]!, versions[i]!) <= 0;
  if (sorted) return [...versions];
  const byDataset = new Map<string, VersionRecord[]>();
  for (const v of versions) {
    const list = byDataset.get(v.dataset);
    if (list) list.push(v);
    else byDataset.set(v.dataset, [v]);
  }
  const out: VersionRecord[] = [];
  for (const name of [...byDataset.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    for (const v of byDataset.get(name)!.sort(compareInDataset)) out.push(v);
  }
  return out;
}

/** Names whose `zform:placeholder` is locally "on", from `zfs get -H -p -s local -o name,value zform:placeholder`. */
export function parsePlaceholders(stdout: string): Set<string> {
  const out = new Set<string>();
  lines(stdout).forEach((line, i) => {
    const tab = line.indexOf('\t');
    if (tab <= 0) throw new ZfsParseError('zfs get', i + 1, line);
    if (line.slice(tab + 1) === 'on') out.add(line.slice(0, tab));
  });
  return out;
}

/** `zfs holds -H [-p]`: name, tag, timestamp (unix seconds with -p; OpenZFS 2.1 has no -p and prints ctime,
 *  which names no time zone, so `created` is left out then). */
export function parseHolds(stdout: string): HoldRecord[] {
  return lines(stdout).map((line, i) => {
    const f = line.split('\t');
    if (f.length !== 3 || !f[0]!.includes('@') || f[1] === '') throw new ZfsParseError('zfs holds', i + 1, line);
    const rec: HoldRecord = { snapshot: f[0]!, tag: f[1]! };
    if (/^\d+$/.test(f[2]!)) rec.created = Number(f[2]);
    return rec;
  });
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
