// known_hosts parsing, matching (checked against OpenSSH's own `ssh-keygen -F`) and the strict host key verdict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  computeHostKeyAlgorithms, computeHostKeyVerdict, computeLookupName, matchEntry, matchHostPatterns, matchPattern,
  parseKeyBlobType, parseKnownHosts, readKnownHosts, renderFingerprint, DEFAULT_HOST_KEY_ALGORITHMS,
} from '../../../src/zfs/known-hosts.js';
import { SshError } from '../../../src/zfs/ssh-error.js';
import { fingerprintOf, makeKey } from './sshd.js';

const dir = mkdtempSync(join(tmpdir(), 'zform-kh-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const A = makeKey(join(dir, 'a'));
const B = makeKey(join(dir, 'b'));
const C = makeKey(join(dir, 'c'));
const R = makeKey(join(dir, 'r'), 'rsa');
const E = makeKey(join(dir, 'e'), 'ecdsa');
const blob = (line: string) => Buffer.from(line.split(' ')[1]!, 'base64');

/** Lines of `ssh-keygen -H` output for the given plain lines (hashed names). */
function hashed(lines: string[]): string[] {
  const f = join(dir, `h-${Math.random().toString(36).slice(2)}`);
  writeFileSync(f, lines.map((l) => `${l}\n`).join(''));
  execFileSync('ssh-keygen', ['-H', '-f', f], { stdio: 'ignore' });
  return readFileSync(f, 'utf8').trim().split('\n');
}

const FILE_LINES = [
  `nas.example.org,192.0.2.7 ${A}`,                  // 1
  `*.lan,!secret.lan ${B}`,                          // 2
  `@revoked * ${C}`,                                 // 3
  `@cert-authority *.example.org ${C}`,              // 4 (ignored)
  `host?.example.com ${B}`,                          // 5
  `[nas.example.org]:2222 ${B}`,                     // 6
  '# a comment',                                     // 7
  '',                                                // 8
  ...hashed([`hashed.example.org ${A}`, `[hashed.example.org]:2200 ${B}`]), // 9, 10
  `bad ssh-ed25519 !!!notbase64`,                    // 11
  `mismatch ssh-rsa ${A.split(' ')[1]}`,             // 12
  `@bogus nas.example.org ${A}`,                     // 13
  `onlyhost`,                                        // 14
  `rsa.example.org ${R} a comment with spaces`,      // 15
  `\t  indented.example.org   ${E}`,                 // 16
];
const TEXT = FILE_LINES.join('\n') + '\n';
const kh = parseKnownHosts(TEXT, '/k/known_hosts');

test('parse: entries with line numbers, markers, hashed names; @cert-authority ignored; malformed lines skipped', () => {
  assert.deepEqual(kh.entries.map((e) => [e.line, e.revoked, e.names.kind, e.keyType]), [
    [1, false, 'patterns', 'ssh-ed25519'],
    [2, false, 'patterns', 'ssh-ed25519'],
    [3, true, 'patterns', 'ssh-ed25519'],
    [5, false, 'patterns', 'ssh-ed25519'],
    [6, false, 'patterns', 'ssh-ed25519'],
    [9, false, 'hashed', 'ssh-ed25519'],
    [10, false, 'hashed', 'ssh-ed25519'],
    [15, false, 'patterns', 'ssh-rsa'],
    [16, false, 'patterns', 'ecdsa-sha2-nistp256'],
  ]);
  assert.deepEqual(kh.entries[0]!.names, { kind: 'patterns', patterns: ['nas.example.org', '192.0.2.7'] });
  assert.deepEqual(kh.entries[0]!.key, blob(A));
  assert.deepEqual(kh.skipped, [
    { line: 11, reason: 'key is not base64' },
    { line: 12, reason: 'key type ssh-rsa does not match the key (ssh-ed25519)' },
    { line: 13, reason: 'unknown marker @bogus' },
    { line: 14, reason: 'expected host patterns, key type and key' },
  ]);
});

test('lookup names: the host for port 22, [host]:port otherwise, lowercase', () => {
  assert.equal(computeLookupName('NAS.example.org', 22), 'nas.example.org');
  assert.equal(computeLookupName('nas.example.org', 2222), '[nas.example.org]:2222');
  assert.equal(computeLookupName('::1', 2222), '[::1]:2222');
});

test('wildcards and negation', () => {
  assert.equal(matchPattern('box.lan', '*.lan'), true);
  assert.equal(matchPattern('lan', '*.lan'), false);
  assert.equal(matchPattern('host1.example.com', 'host?.example.com'), true);
  assert.equal(matchPattern('host12.example.com', 'host?.example.com'), false);
  assert.equal(matchPattern('a.b.c', '*.*'), true);
  assert.equal(matchPattern('abc', 'a*b*c'), true);
  assert.equal(matchPattern('abxc', 'a*b?c'), true);
  assert.equal(matchPattern('ab', 'a*b*c'), false);
  assert.equal(matchPattern('NAS', 'nas'), true);
  assert.equal(matchPattern('', '*'), true);
  assert.equal(matchHostPatterns('secret.lan', ['*.lan', '!secret.lan']), false);
  assert.equal(matchHostPatterns('secret.lan', ['!secret.lan', '*.lan']), false);
  assert.equal(matchHostPatterns('box.lan', ['*.lan', '!secret.lan']), true);
  assert.equal(matchHostPatterns('box.lan', ['!secret.lan']), false); // a negation alone matches nothing
  assert.equal(matchHostPatterns('[nas]:2222', ['[nas]:*']), true);
});

test('which lines match a name agrees with OpenSSH (ssh-keygen -F), hashed names and ports included', () => {
  const file = join(dir, 'known_hosts');
  writeFileSync(file, TEXT);
  const names = [
    'nas.example.org', 'NAS.Example.ORG', '192.0.2.7', '[nas.example.org]:2222', '[nas.example.org]:22', 'box.lan',
    'secret.lan', 'host1.example.com', 'host12.example.com', 'hashed.example.org', '[hashed.example.org]:2200',
    '[hashed.example.org]:2201', 'other', 'rsa.example.org', 'indented.example.org',
  ];
  for (const name of names) {
    let out = '';
    try { out = execFileSync('ssh-keygen', ['-F', name, '-f', file], { encoding: 'utf8' }); } catch { /* exit 1: not found */ }
    const openssh = [...out.matchAll(/^# Host .* found: line (\d+)(?: (\w+))?/gm)]
      .filter((m) => m[2] !== 'CA')
      .map((m) => Number(m[1]));
    const ours = kh.entries.filter((e) => matchEntry(e, name.toLowerCase())).map((e) => e.line);
    assert.deepEqual(ours, openssh, name);
  }
});

test('fingerprints are those ssh-keygen -l prints; the blob names its key type', () => {
  assert.equal(renderFingerprint(blob(A)), fingerprintOf(dir, A));
  assert.equal(renderFingerprint(blob(R)), fingerprintOf(dir, R));
  assert.equal(parseKeyBlobType(blob(R)), 'ssh-rsa');
  assert.equal(parseKeyBlobType(blob(E)), 'ecdsa-sha2-nistp256');
  assert.equal(parseKeyBlobType(Buffer.from([0, 0])), null);
});

test('verdict: the known key is accepted, naming its line', () => {
  assert.deepEqual(computeHostKeyVerdict(kh, 'nas.example.org', 22, blob(A)), { ok: true, line: 1 });
  assert.deepEqual(computeHostKeyVerdict(kh, 'NAS.example.org', 2222, blob(B)), { ok: true, line: 6 });
  assert.deepEqual(computeHostKeyVerdict(kh, 'hashed.example.org', 22, blob(A)), { ok: true, line: 9 });
  assert.deepEqual(computeHostKeyVerdict(kh, 'hashed.example.org', 2200, blob(B)), { ok: true, line: 10 });
  assert.deepEqual(computeHostKeyVerdict(kh, 'box.lan', 22, blob(B)), { ok: true, line: 2 });
});

test('verdict: no entry for host:port refuses with the ssh-keyscan hint', () => {
  assert.deepEqual(computeHostKeyVerdict(kh, 'other.example.org', 22, blob(A)), {
    ok: false,
    reason: 'host_key_unknown',
    message: 'host key verification failed for other.example.org:22: no entry in /k/known_hosts (add one with: ssh-keyscan -p 22 other.example.org >> /k/known_hosts)',
  });
  // a plain entry does not cover another port, and an entry for another port does not cover 22
  assert.equal((computeHostKeyVerdict(kh, 'nas.example.org', 2200, blob(A)) as { reason: string }).reason, 'host_key_unknown');
  assert.equal((computeHostKeyVerdict(kh, 'hashed.example.org', 2201, blob(B)) as { reason: string }).reason, 'host_key_unknown');
  // a negated name has no entry
  assert.equal((computeHostKeyVerdict(kh, 'secret.lan', 22, blob(B)) as { reason: string }).reason, 'host_key_unknown');
});

test('verdict: a different key refuses as REMOTE HOST KEY HAS CHANGED with both fingerprints', () => {
  const fa = fingerprintOf(dir, A);
  const fb = fingerprintOf(dir, B);
  assert.deepEqual(computeHostKeyVerdict(kh, 'nas.example.org', 22, blob(B)), {
    ok: false,
    reason: 'host_key_changed',
    message: `host key verification failed for nas.example.org:22: REMOTE HOST KEY HAS CHANGED: server offered ssh-ed25519 ${fb}, known_hosts has ssh-ed25519 ${fa} (/k/known_hosts:1)`,
  });
  // a key of another type than the known ones is refused the same way
  const fr = fingerprintOf(dir, R);
  const fe = fingerprintOf(dir, E);
  assert.deepEqual(computeHostKeyVerdict(kh, 'rsa.example.org', 22, blob(E)), {
    ok: false,
    reason: 'host_key_changed',
    message: `host key verification failed for rsa.example.org:22: REMOTE HOST KEY HAS CHANGED: server offered ecdsa-sha2-nistp256 ${fe}, known_hosts has ssh-rsa ${fr} (/k/known_hosts:15)`,
  });
});

test('verdict: a revoked key always refuses, even with a normal entry for it', () => {
  const withBoth = parseKnownHosts(`nas ${C}\n@revoked nas ${C}\n`, '/k/kh');
  const fc = fingerprintOf(dir, C);
  assert.deepEqual(computeHostKeyVerdict(withBoth, 'nas', 22, blob(C)), {
    ok: false,
    reason: 'host_key_revoked',
    message: `host key verification failed for nas:22: the server's key ssh-ed25519 ${fc} is marked @revoked in /k/kh:2`,
  });
  assert.equal((computeHostKeyVerdict(kh, 'box.lan', 22, blob(C)) as { reason: string }).reason, 'host_key_revoked');
});

test('a host known only through @cert-authority is unknown', () => {
  const onlyCa = parseKnownHosts(`@cert-authority *.example.org ${C}\n`, '/k/kh');
  assert.deepEqual(onlyCa.entries, []);
  assert.equal((computeHostKeyVerdict(onlyCa, 'a.example.org', 22, blob(C)) as { reason: string }).reason, 'host_key_unknown');
});

test('host key algorithms: the known key types first, in file order, then ssh2\'s defaults', () => {
  assert.deepEqual(computeHostKeyAlgorithms(kh, 'rsa.example.org', 22),
    ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521']);
  assert.deepEqual(computeHostKeyAlgorithms(kh, 'indented.example.org', 22),
    ['ecdsa-sha2-nistp256', 'ssh-ed25519', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
  // revoked lines do not count as known
  assert.deepEqual(computeHostKeyAlgorithms(kh, 'unknown.example.org', 22), DEFAULT_HOST_KEY_ALGORITHMS);
});

test('readKnownHosts: a missing or unreadable file is a one-line SshError', async () => {
  const target = { hostName: 'nas', host: 'nas.example.org', port: 2222 };
  const missing = join(dir, 'nope', 'known_hosts');
  await assert.rejects(readKnownHosts(missing, target), (e: unknown) => e instanceof SshError && e.reason === 'known_hosts_unreadable'
    && e.kind === 'ssh' && e.host === 'nas'
    && e.message === `host key verification failed for nas.example.org:2222: cannot read known_hosts file ${missing}: no such file (add an entry with: ssh-keyscan -p 2222 nas.example.org >> ${missing})`);
  const asDir = join(dir, 'adir');
  mkdirSync(asDir);
  await assert.rejects(readKnownHosts(asDir, target), (e: unknown) => e instanceof SshError
    && e.message === `host key verification failed for nas.example.org:2222: cannot read known_hosts file ${asDir}: is a directory`);
  const f = join(dir, 'kh-ok');
  writeFileSync(f, `nas ${A}\n`);
  chmodSync(f, 0o600);
  assert.equal((await readKnownHosts(f, target)).entries.length, 1);
});
