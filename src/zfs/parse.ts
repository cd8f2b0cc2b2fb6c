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

/** A count column, `-` as 0. Works on the line between two tabs, so that a listing of a million versions does not
 *  allocate a string per column. */
function parseCountAt(line: string, from: number, to: number, what: string, lineNo: number): number {
  if (to - from === 1 && line.charCodeAt(from) === 45 /* - */) return 0;
  if (!isDigits(line, from, to)) throw new ZfsParseError(what, lineNo, line);
  if (to - from > 15) return Number(line.slice(from, to)); // beyond 2^53 rounds the way Number() does
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + (line.charCodeAt(i) - 48);
  return n;
}

/** A GUID column as an exact decimal string without leading zeros (uint64 does not fit a number). */
function parseGuidAt(line: string, from: number, to: number, what: string, lineNo: number): string {
  if (!isDigits(line, from, to)) throw new ZfsParseError(what, lineNo, line);
  while (to - from > 1 && line.charCodeAt(from) === 48 /* 0 */) from++;
  return line.slice(from, to);
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
  const tabs = new Int32Array(LIST_COLUMNS.length - 1);
  const what = 'zfs list';
  let lineNo = 0;
  for (let pos = 0; pos < stdout.length;) {
    let eol = stdout.indexOf('\n', pos);
    if (eol < 0) eol = stdout.length;
    const line = stdout.slice(pos, eol);
    pos = eol + 1;
    lineNo++;
    // the columns are the text between tabs: exactly LIST_COLUMNS.length of them
    let n = 0;
    for (let t = line.indexOf('\t'); t >= 0; t = line.indexOf('\t', t + 1)) {
      if (n === tabs.length) throw new ZfsParseError(what, lineNo, line);
      tabs[n++] = t;
    }
    if (n !== tabs.length) throw new ZfsParseError(what, lineNo, line);
    const name = line.slice(0, tabs[0]);
    const col = (i: number) => line.slice(tabs[i - 1]! + 1, i < tabs.length ? tabs[i] : line.length);
    const type = col(1);
    if (type === 'filesystem' || type === 'volume') {
      if (seenDatasets.has(name)) continue;
      seenDatasets.add(name);
      const encryption = col(7);
      const encryptionroot = col(8);
      const keystatus = col(9);
      const token = col(10);
      datasets.push({
        name,
        type,
        guid: parseGuidAt(line, tabs[1]! + 1, tabs[2]!, what, lineNo),
        createtxg: parseCountAt(line, tabs[2]! + 1, tabs[3]!, what, lineNo),
        encryption: encryption === '-' ? 'off' : encryption,
        encryptionRoot: encryptionroot === '-' || encryptionroot === '' ? null : encryptionroot,
        keyStatus: keystatus === 'available' || keystatus === 'unavailable' ? keystatus : null,
        resumeToken: token === '-' || token === '' ? null : token,
        placeholder: false,
        written: parseCountAt(line, tabs[5]! + 1, tabs[6]!, what, lineNo),
      });
    } else if (type === 'snapshot' || type === 'bookmark') {
      const at = name.indexOf(type === 'snapshot' ? '@' : '#');
      if (at <= 0) {
        if (seenDatasets.has(name)) continue; // a name seen before is skipped whatever its line says
        throw new ZfsParseError(what, lineNo, line);
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
        guid: parseGuidAt(line, tabs[1]! + 1, tabs[2]!, what, lineNo),
        createtxg: parseCountAt(line, tabs[2]! + 1, tabs[3]!, what, lineNo),
        creation: parseCountAt(line, tabs[3]! + 1, tabs[4]!, what, lineNo),
        userrefs: type === 'bookmark' ? 0 : parseCountAt(line, tabs[4]! + 1, tabs[5]!, what, lineNo),
        written: type === 'bookmark' ? 0 : parseCountAt(line, tabs[5]! + 1, tabs[6]!, what, lineNo),
      });
    } else {
      if (seenDatasets.has(name)) continue;
      throw new ZfsParseError(what, lineNo, line);
    }
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
