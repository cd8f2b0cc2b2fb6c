// OpenSSH known_hosts: parsing, host matching (patterns, [host]:port, hashed names) and the strict host key verdict.
//
// What is read, as OpenSSH's hostfile.c does it:
// - `hostpatterns keytype base64key [comment]`; blank lines and `#` comments are skipped.
// - host patterns: a comma list with `*` and `?` wildcards, case-insensitive; a matching `!pattern` excludes the
//   line even when another pattern matches.
// - the name looked up is the host for port 22 and `[host]:port` for any other port (so `[nas]:22` and a plain
//   `nas` entry for port 2222 do not match, as with OpenSSH).
// - hashed names `|1|base64(salt)|base64(HMAC-SHA1(salt, name))` (HashKnownHosts, `ssh-keygen -H`).
// - `@revoked` lines: a key listed there is always refused for the hosts the line matches.
// - `@cert-authority` lines are ignored: ssh2 does not negotiate host certificates, so a host known only through a
//   CA has no entry here and is refused as unknown.
// - malformed lines (bad base64, a blob whose type differs from the key type field, an unknown marker) are skipped.
// Only the one file of the host's `known_hosts` setting is read (not /etc/ssh/ssh_known_hosts), and only the
// configured host name is looked up (no CheckHostIP).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readFileAsync as readFile } from '../read-file.js';
import { SshError } from './ssh-error.js';
import { computeWriteExposure, describeTrustedWriters } from '../fsafe.js';

export type KnownHostsNames =
  | { kind: 'patterns'; patterns: string[] }
  | { kind: 'hashed'; salt: Buffer; hash: Buffer };

export interface KnownHostsEntry {
  /** 1-based line number in the file */
  line: number;
  revoked: boolean;
  names: KnownHostsNames;
  /** the key type field, e.g. "ssh-ed25519" */
  keyType: string;
  /** the decoded public key blob (what the server sends in its key exchange) */
  key: Buffer;
}

export interface KnownHostsFile {
  file: string;
  entries: KnownHostsEntry[];
  /** lines skipped as malformed (`@cert-authority` lines are not listed: they are ignored on purpose) */
  skipped: { line: number; reason: string }[];
}

const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/;

function decodeBase64(text: string): Buffer | null {
  if (!BASE64_RE.test(text)) return null;
  const buf = Buffer.from(text, 'base64');
  return buf.length > 0 ? buf : null;
}

/** The key type string inside an SSH public key blob (`string type, ...`), or null when the blob is too short. */
export function parseKeyBlobType(blob: Buffer): string | null {
  if (blob.length < 4) return null;
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || blob.length < 4 + len) return null;
  return blob.subarray(4, 4 + len).toString('latin1');
}

function parseNames(field: string): KnownHostsNames | string {
  if (field.startsWith('|')) {
    const m = /^\|1\|([^|]+)\|([^|]+)$/.exec(field);
    if (!m) return 'unsupported hashed host name';
    const salt = decodeBase64(m[1]!);
    const hash = decodeBase64(m[2]!);
    if (!salt || !hash || hash.length !== 20) return 'malformed hashed host name';
    return { kind: 'hashed', salt, hash };
  }
  const patterns = field.split(',').filter((p) => p !== '');
  if (patterns.length === 0) return 'no host pattern';
  return { kind: 'patterns', patterns };
}

/** All entries of a known_hosts text. Never throws: malformed lines are listed in `skipped`. */
export function parseKnownHosts(text: string, file: string): KnownHostsFile {
  const entries: KnownHostsEntry[] = [];
  const skipped: { line: number; reason: string }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const fields = lines[i]!.trim().split(/[ \t]+/);
    if (fields[0] === '' || fields[0]!.startsWith('#')) continue;
    let revoked = false;
    if (fields[0]!.startsWith('@')) {
      const marker = fields.shift()!;
      if (marker === '@cert-authority') continue;
      if (marker !== '@revoked') { skipped.push({ line, reason: `unknown marker ${marker}` }); continue; }
      revoked = true;
    }
    const [hostField, keyType, keyText] = fields;
    if (hostField === undefined || keyType === undefined || keyText === undefined) {
      skipped.push({ line, reason: 'expected host patterns, key type and key' });
      continue;
    }
    const names = parseNames(hostField);
    if (typeof names === 'string') { skipped.push({ line, reason: names }); continue; }
    const key = decodeBase64(keyText);
    if (!key) { skipped.push({ line, reason: 'key is not base64' }); continue; }
    const blobType = parseKeyBlobType(key);
    if (blobType !== keyType) { skipped.push({ line, reason: `key type ${keyType} does not match the key (${blobType ?? 'unreadable'})` }); continue; }
    entries.push({ line, revoked, names, keyType, key });
  }
  return { file, entries, skipped };
}

/** The name known_hosts stores for host:port: `host` for port 22, `[host]:port` otherwise (lowercase). */
export function computeLookupName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** OpenSSH's wildcard match: `*` any run of characters, `?` exactly one, case-insensitive. */
export function matchPattern(name: string, pattern: string): boolean {
  const s = name.toLowerCase();
  const p = pattern.toLowerCase();
  let si = 0;
  let pi = 0;
  let starP = -1;
  let starS = 0;
  while (si < s.length) {
    if (pi < p.length && (p[pi] === '?' || (p[pi] !== '*' && p[pi] === s[si]))) { si++; pi++; }
    else if (pi < p.length && p[pi] === '*') { starP = pi++; starS = si; }
    else if (starP >= 0) { pi = starP + 1; si = ++starS; }
    else return false;
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

/** Whether a pattern list matches: some positive pattern matches and no `!pattern` does. */
export function matchHostPatterns(name: string, patterns: string[]): boolean {
  let positive = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (matchPattern(name, p.slice(1))) return false;
    } else if (matchPattern(name, p)) {
      positive = true;
    }
  }
  return positive;
}

/** Whether an entry is about the looked-up name (see computeLookupName). */
export function matchEntry(entry: KnownHostsEntry, lookupName: string): boolean {
  if (entry.names.kind === 'patterns') return matchHostPatterns(lookupName, entry.names.patterns);
  const mac = createHmac('sha1', entry.names.salt).update(lookupName).digest();
  return mac.length === entry.names.hash.length && timingSafeEqual(mac, entry.names.hash);
}

/** `SHA256:...` as `ssh-keygen -l` prints it (unpadded base64 of the blob's SHA-256). */
export function renderFingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

export type HostKeyVerdict =
  | { ok: true; line: number }
  | { ok: false; reason: 'host_key_unknown' | 'host_key_changed' | 'host_key_revoked'; message: string };

/** The strict verdict on the key a server offered for host:port: accepted only when a non-revoked entry has it. */
export function computeHostKeyVerdict(kh: KnownHostsFile, host: string, port: number, serverKey: Buffer): HostKeyVerdict {
  const name = computeLookupName(host, port);
  const matching = kh.entries.filter((e) => matchEntry(e, name));
  const offeredType = parseKeyBlobType(serverKey) ?? 'unknown-type';
  const offered = `${offeredType} ${renderFingerprint(serverKey)}`;
  const where = `host key verification failed for ${host}:${port}`;
  const revoked = matching.find((e) => e.revoked && e.key.equals(serverKey));
  if (revoked) {
    return { ok: false, reason: 'host_key_revoked', message: `${where}: the server's key ${offered} is marked @revoked in ${kh.file}:${revoked.line}` };
  }
  const known = matching.filter((e) => !e.revoked);
  const same = known.find((e) => e.key.equals(serverKey));
  if (same) return { ok: true, line: same.line };
  if (known.length === 0) {
    return {
      ok: false,
      reason: 'host_key_unknown',
      message: `${where}: no entry in ${kh.file} (add one with: ssh-keyscan -p ${port} ${host} >> ${kh.file})`,
    };
  }
  const list = known.map((e) => `${e.keyType} ${renderFingerprint(e.key)} (${kh.file}:${e.line})`).join(', ');
  return { ok: false, reason: 'host_key_changed', message: `${where}: REMOTE HOST KEY HAS CHANGED: server offered ${offered}, known_hosts has ${list}` };
}

/** ssh2's host key algorithms in its default order. */
export const DEFAULT_HOST_KEY_ALGORITHMS = [
  'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa',
];

/** Host key algorithms to offer, those of the key types known for host:port first (as OpenSSH orders them), so a
 *  server with several host keys presents the one we know. */
export function computeHostKeyAlgorithms(kh: KnownHostsFile, host: string, port: number): string[] {
  const name = computeLookupName(host, port);
  const first: string[] = [];
  for (const e of kh.entries) {
    if (e.revoked || !matchEntry(e, name)) continue;
    const algs = e.keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [e.keyType];
    for (const a of algs) if (DEFAULT_HOST_KEY_ALGORITHMS.includes(a) && !first.includes(a)) first.push(a);
  }
  return [...first, ...DEFAULT_HOST_KEY_ALGORITHMS.filter((a) => !first.includes(a))];
}

const FS_REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'a parent is not a directory',
};

/** Reads and parses the known_hosts file for a connection to host:port; an unreadable file is an SshError. */
export async function readKnownHosts(file: string, target: { hostName: string; host: string; port: number }): Promise<KnownHostsFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const why = FS_REASONS[code] ?? (err as Error).message;
    const hint = code === 'ENOENT' ? ` (add an entry with: ssh-keyscan -p ${target.port} ${target.host} >> ${file})` : '';
    throw new SshError(
      'known_hosts_unreadable',
      target.hostName,
      `host key verification failed for ${target.host}:${target.port}: cannot read known_hosts file ${file}: ${why}${hint}`,
      { cause: err },
    );
  }
  const uid = process.getuid?.();
  const why = uid === undefined ? null : await computeWriteExposure(file, uid);
  if (why !== null) {
    throw new SshError(
      'known_hosts_unsafe',
      target.hostName,
      `host key verification failed for ${target.host}:${target.port}: known_hosts file ${file}: ${why}; whoever can change it can make zform trust any host: make it and its folders writable only by ${describeTrustedWriters(uid!)}`,
    );
  }
  return parseKnownHosts(text, file);
}
