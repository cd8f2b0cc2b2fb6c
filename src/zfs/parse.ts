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

function parseCount(s: string, what: string, lineNo: number, line: string): number {
  if (s === '-') return 0;
  if (!/^\d+$/.test(s)) throw new ZfsParseError(what, lineNo, line);
  return Number(s);
}

function parseGuid(s: string, what: string, lineNo: number, line: string): string {
  if (!/^\d+$/.test(s)) throw new ZfsParseError(what, lineNo, line);
  return s.replace(/^0+(?=\d)/, '');
}

/** Datasets and versions (without placeholders and holds) from `zfs list -H -p -o LIST_COLUMNS`. */
export function parseList(stdout: string): { datasets: DatasetRecord[]; versions: VersionRecord[] } {
  const datasets: DatasetRecord[] = [];
  const versions: VersionRecord[] = [];
  const seen = new Set<string>(); // nested roots list their common subtree twice
  lines(stdout).forEach((line, i) => {
    const lineNo = i + 1;
    const f = line.split('\t');
    if (f.length !== LIST_COLUMNS.length) throw new ZfsParseError('zfs list', lineNo, line);
    if (seen.has(f[0]!)) return;
    seen.add(f[0]!);
    const [name, type, guid, createtxg, creation, userrefs, written, encryption, encryptionroot, keystatus, token] = f as [
      string, string, string, string, string, string, string, string, string, string, string];
    if (type === 'filesystem' || type === 'volume') {
      datasets.push({
        name,
        type,
        guid: parseGuid(guid, 'zfs list', lineNo, line),
        createtxg: parseCount(createtxg, 'zfs list', lineNo, line),
        encryption: encryption === '-' ? 'off' : encryption,
        encryptionRoot: encryptionroot === '-' || encryptionroot === '' ? null : encryptionroot,
        keyStatus: keystatus === 'available' || keystatus === 'unavailable' ? keystatus : null,
        resumeToken: token === '-' || token === '' ? null : token,
        placeholder: false,
        written: parseCount(written, 'zfs list', lineNo, line),
      });
    } else if (type === 'snapshot' || type === 'bookmark') {
      const delim = type === 'snapshot' ? '@' : '#';
      const at = name.indexOf(delim);
      if (at <= 0) throw new ZfsParseError('zfs list', lineNo, line);
      versions.push({
        kind: type,
        dataset: name.slice(0, at),
        name: name.slice(at + 1),
        guid: parseGuid(guid, 'zfs list', lineNo, line),
        createtxg: parseCount(createtxg, 'zfs list', lineNo, line),
        creation: parseCount(creation, 'zfs list', lineNo, line),
        userrefs: type === 'bookmark' ? 0 : parseCount(userrefs, 'zfs list', lineNo, line),
        written: type === 'bookmark' ? 0 : parseCount(written, 'zfs list', lineNo, line),
      });
    } else {
      throw new ZfsParseError('zfs list', lineNo, line);
    }
  });
  return { datasets, versions: computeSortedVersions(versions) };
}

/** Versions by dataset, then createtxg, bookmark before snapshot at equal txg, then name. */
export function computeSortedVersions(versions: VersionRecord[]): VersionRecord[] {
  const kindRank = (v: VersionRecord) => (v.kind === 'bookmark' ? 0 : 1);
  return [...versions].sort((a, b) =>
    a.dataset < b.dataset ? -1 : a.dataset > b.dataset ? 1
      : a.createtxg - b.createtxg || kindRank(a) - kindRank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
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
