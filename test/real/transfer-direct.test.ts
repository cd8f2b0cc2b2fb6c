// Local → local transfers on real OpenZFS take the direct path (zfs receive reads zfs send's pipe; transfer-direct.ts):
// what `zfs send -v -P` prints (captured into test/fixtures/zfs/<ver>/send-progress/ with ZFORM_CAPTURE_FIXTURES=1)
// and how SendProgress reads it; `zform apply` of a full and an incremental send (data and byte counts); a receiver
// that fails (blamed, resumable state, the next apply resumes with `zfs send -v -P -t`); kill -9 of zform
// mid-transfer (the orphaned sender dies at its next progress line, the receiver keeps resumable state).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createPool, encryptionProps, q, sh, zfsVersion, type Pool } from './lib.js';
import {
  REPO, Zform, assertExit, checksumReceived, checksumSnapshot, parseNdjson, readGuids, resumeToken, waitForNoZfsTransfer, writeData,
} from './apply-helpers.js';
import { requireGuest } from './lib.js';
import { SendProgress } from '../../src/zfs/send-progress.js';
import { computeSendArgv } from '../../src/zfs/argv.js';
import type { SendArgs } from '../../src/zfs/types.js';
import type { Action, VersionRef } from '../../src/plan/types.js';

type SendAction = Extract<Action, { kind: 'send' }>;

requireGuest(import.meta.url);

const MiB = 1024 * 1024;
const S = 'tdrs';
const T = 'tdrt';
const A = `${S}/a`;
const TA = `${T}/z/${S}/a`;
const z = new Zform();
let src: Pool;
let dst: Pool;
let cfg = '';

before(async () => {
  src = await createPool(S, { sizeMiB: 1400, mounted: true });
  dst = await createPool(T, { sizeMiB: 1200 });
  await sh(`zfs create ${A} && zfs create ${T}/z`);
  await writeData([A, 160 * MiB]);
  await sh(`zfs snapshot ${A}@s1`);
  cfg = z.config('direct.yml', `jobs:
  - name: d
    source: { host: local, filesystems: { "${A}": true } }
    target: { host: local, root_fs: ${T}/z }
`);
});
after(async () => {
  await src?.destroy();
  await dst?.destroy();
});

/** Bytes of a stream, counted by wc. */
async function streamBytes(sendArgs: string): Promise<number> {
  return Number((await sh(`zfs send ${sendArgs} | wc -c`)).trim());
}

interface Applied { code: number | null; stderr: string; events: Record<string, unknown>[]; sends: Map<string, SendAction> }
/** Plans into a file and applies that plan (--json, debug logs): the events and the plan's send actions by id. */
async function apply(): Promise<Applied> {
  const file = z.file(`plan-${Date.now()}.json`);
  const plan = await z.plan(cfg, file);
  const sends = new Map<string, SendAction>();
  for (const j of plan.jobs) for (const d of j.datasets) for (const a of d.actions) if (a.kind === 'send') sends.set(a.id, a);
  const r = await z.run(['apply', '-c', cfg, file, '--auto-approve', '--json', '-v']);
  return { code: r.code, stderr: r.stderr, events: parseNdjson(r.stdout), sends };
}
const sendEvents = (a: Applied, type: string) => a.events.filter((e) => e.type === type && (e.action as { kind?: string } | undefined)?.kind === 'send');

test('zfs send -v -P on stderr: SendProgress drops every line of it and counts within zfs\'s estimate', async () => {
  const ver = await zfsVersion();
  const capture = process.env.ZFORM_CAPTURE_FIXTURES === '1';
  const dir = path.join(REPO, 'test', 'fixtures', 'zfs', ver, 'send-progress');
  await writeData([A, 96 * MiB]);
  await sh(`zfs snapshot ${A}@s2`);
  await writeData([A, 1 * MiB]);
  await sh(`zfs snapshot ${A}@s3`);
  await writeData([A, 1 * MiB]);
  await sh(`zfs snapshot ${A}@s4`);
  await sh(`zfs create ${Object.entries(encryptionProps(src)).map(([k, v]) => `-o ${k}=${q(v)}`).join(' ')} ${S}/enc`);
  await writeData([`${S}/enc`, 64 * MiB]);
  await sh(`zfs snapshot ${S}/enc@e1`);
  // a resume token: a receive that got only the first 40 MB
  await sh(`zfs send ${A}@s1 | head -c 40000000 | zfs receive -s ${T}/tok || true`);
  const token = await resumeToken(`${T}/tok`);
  assert.match(token, /^1-/);
  const cases: [string, string][] = [
    ['full', `${A}@s1`],
    ['incremental', `-i ${A}@s1 ${A}@s2`],
    ['intermediates', `-I ${A}@s2 ${A}@s4`],
    ['raw', `-w ${S}/enc@e1`],
    ['resume', `-t ${token}`],
  ];
  const report: string[] = [];
  for (const [name, args] of cases) {
    // one send: its stream counted by wc, its stderr kept; the reader starts 2.5 s late, so that the sender, stuck
    // on a full pipe, prints its per-second lines (from the cache it would be done within the first second)
    const errFile = `/tmp/tdr-${name}.stderr`;
    const exact = Number((await sh(`zfs send -v -P ${args} 2>${errFile} | (sleep 2.5; wc -c)`)).trim());
    const stderr = readFileSync(errFile, 'utf8');
    if (capture) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, `${name}.txt`), stderr);
      writeFileSync(path.join(dir, `${name}.json`), JSON.stringify({ args: args.replace(token, 'TOKEN'), exactBytes: exact }, null, 2) + '\n');
    }
    const p = new SendProgress();
    // in uneven pieces, as a pipe delivers it
    let kept = '';
    for (let i = 0; i < stderr.length; i += 37) kept += p.write(stderr.slice(i, i + 37));
    kept += p.end();
    assert.equal(kept, '', `${name}: every line of -v -P is ours to drop:\n${stderr}`);
    assert.ok(p.bytes <= exact, `${name}: printed ${p.bytes} > exact ${exact}`);
    const err = (p.finalBytes - exact) / exact;
    report.push(`${name}: exact ${exact}, printed ${p.bytes}, estimated ${p.estimatedBytes}, reported ${p.finalBytes} (${(err * 100).toFixed(2)} %)`);
    assert.ok(Math.abs(err) < 0.05, `${name}: reported ${p.finalBytes} for ${exact} bytes`);
  }
  process.stderr.write(`[transfer-direct] ${report.join('\n[transfer-direct] ')}\n`);
  await sh(`zfs destroy ${T}/tok || zfs receive -A ${T}/tok; zfs destroy -r ${T}/tok 2>/dev/null || true; zfs destroy -r ${S}/enc`);
});

/** The exact size of the stream of a send action, counted by wc (the argv zform ran, without -v -P). */
async function exactBytesOf(action: SendAction): Promise<number> {
  const ref = (r: VersionRef) => `${r.dataset}${r.kind === 'bookmark' ? '#' : '@'}${r.name}`;
  const args: SendArgs = action.from
    ? { kind: 'incremental', from: ref(action.from), snapshot: ref(action.to), intermediates: action.intermediates, flags: action.flags }
    : { kind: 'full', snapshot: ref(action.to), flags: action.flags };
  return streamBytes(computeSendArgv(args).slice(1).map(q).join(' '));
}

/** Every completed send of an apply: its reported bytes against the exact size of its stream. */
async function assertSentBytes(a: Applied, what: string): Promise<void> {
  const done = sendEvents(a, 'apply_complete');
  assert.ok(done.length > 0, `${what}: no send completed`);
  for (const e of done) {
    const action = a.sends.get((e.action as { id: string }).id)!;
    const exact = await exactBytesOf(action);
    const sent = Number(e.bytes);
    process.stderr.write(`[transfer-direct] ${what}: ${describe(action)} reported ${sent} bytes for a ${exact}-byte stream\n`);
    assert.ok(Math.abs(sent - exact) / exact < 0.05, `${what}: reported ${sent} for ${exact}`);
  }
  const progress = sendEvents(a, 'apply_progress').map((e) => Number(e.bytes));
  assert.ok(progress.length > 0, `${what}: progress events while it ran`);
}
const describe = (a: SendAction) => `${a.mode} ${a.from ? `${a.from.name}..` : ''}${a.to.name}`;

test('apply: a full and then an incremental send take the direct path; the data and the byte counts are right', async () => {
  await sh(`zfs destroy ${A}@s3 && zfs destroy ${A}@s4`);
  const r = await apply();
  assertExit({ code: r.code, signal: null, stdout: '', stderr: r.stderr }, 0, 'first apply');
  // the debug log names the command zform ran: zfs send with -v -P, whose pipe zfs receive reads
  assert.match(r.stderr, /send -v -P/);
  await assertSentBytes(r, 'initial');
  assert.equal(await checksumReceived(TA), await checksumSnapshot(A, 's2'));

  await writeData([A, 48 * MiB]);
  await sh(`zfs snapshot ${A}@s5`);
  const r2 = await apply();
  assertExit({ code: r2.code, signal: null, stdout: '', stderr: r2.stderr }, 0, 'incremental apply');
  assert.deepEqual(sendEvents(r2, 'apply_complete').map((e) => r2.sends.get((e.action as { id: string }).id)?.mode), ['incremental']);
  await assertSentBytes(r2, 'incremental');
  assert.equal(await checksumReceived(TA), await checksumSnapshot(A, 's5'));
});

test('a receiver that fails is blamed; it keeps resumable state; the next apply resumes with zfs send -v -P -t', async () => {
  await writeData([A, 64 * MiB]);
  await sh(`zfs snapshot ${A}@s6`);
  // room for 24 MiB more than the target holds: the 64 MiB stream fails part way
  const used = Number((await sh(`zfs get -H -p -o value used ${T}/z`)).trim());
  await sh(`zfs set quota=${used + 24 * MiB} ${T}/z`);
  const r = await apply();
  assertExit({ code: r.code, signal: null, stdout: '', stderr: r.stderr }, 1, 'apply into a full target');
  const errored = sendEvents(r, 'apply_errored');
  assert.equal(errored.length, 1, JSON.stringify(r.events));
  const error = String(errored[0]!.error);
  assert.match(error, /zfs receive on local: cannot receive/, error);
  assert.doesNotMatch(error, /\d\d:\d\d:\d\d\t/, 'no progress line in the error');
  const token = await resumeToken(TA);
  assert.match(token, /^1-/, 'resumable state on the target');

  await sh(`zfs set quota=none ${T}/z`);
  const r2 = await apply();
  assertExit({ code: r2.code, signal: null, stdout: '', stderr: r2.stderr }, 0, 'the apply that resumes');
  assert.match(r2.stderr, /send -v -P -t 1-/);
  assert.equal(await resumeToken(TA), '-');
  assert.equal(await checksumReceived(TA), await checksumSnapshot(A, 's6'));
});

test('kill -9 of zform mid-transfer: on 2.1 the orphaned zfs send dies at its next progress line (resumable state); on 2.3 it may finish the stream; either way the next apply completes it', async () => {
  await writeData([A, 384 * MiB]);
  await sh(`zfs snapshot ${A}@s7`);
  const run = z.start(['apply', '-c', cfg, '--auto-approve', '--json']);
  await run.waitForLine((l) => {
    const e = JSON.parse(l) as { type: string; bytes?: number };
    return e.type === 'apply_progress' && (e.bytes ?? 0) >= 32 * MiB;
  }, 'a progress event past 32 MiB');
  // what the target received so far reaches its disk: zfs receive -s keeps a partial receive only once a txg has
  // written some of it (OpenZFS 2.3 in the guest left none when killed at the first progress event)
  await sh(`zpool sync ${T}`);
  run.kill('SIGKILL');
  assert.equal((await run.done).signal, 'SIGKILL');
  await waitForNoZfsTransfer();
  const token = await resumeToken(TA);
  const received = (await sh(`zfs list -H -o name -t snapshot ${TA}`)).split('\n').includes(`${TA}@s7`);
  if (process.env.ZFORM_ZFS_VERSION === '2.3' && token === '-') {
    // OpenZFS 2.3 in the guest: the orphaned zfs send was not stopped by its closed stderr and delivered the whole
    // stream (seen in the guest on 3 Dec 2026): the snapshot is complete, with the source's GUID
    assert.equal(received, true, 'no resumable state: the orphaned send finished the stream');
    assert.equal((await readGuids(T)).get(`${TA}@s7`), (await readGuids(S)).get(`${A}@s7`));
  } else {
    assert.match(token, /^1-/, 'resumable state on the target');
    assert.equal(received, false);
  }
  const r = await apply();
  assertExit({ code: r.code, signal: null, stdout: '', stderr: r.stderr }, 0, 'the apply that resumes');
  assert.equal(await resumeToken(TA), '-');
  assert.equal(await checksumReceived(TA), await checksumSnapshot(A, 's7'));
});
