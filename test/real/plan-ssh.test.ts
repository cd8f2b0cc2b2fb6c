// `zform plan` on real OpenZFS, as a user runs it, locally and over SSH (the guest's own sshd): the whole human plan,
// line by line, and the key fields of --json, for fresh, incremental, resumable and diverged datasets, an unencrypted
// job pushed to the target and an encrypted one sent raw (pulled from the source host over SSH). Raw resume tokens
// resume, a decrypted token on a raw job is aborted with the reason; targets that cannot take a raw stream (received
// decrypted, or an unencrypted placeholder) are refused by the plan, and by zfs receive the same way. GUIDs, createtxgs
// and sizes are not masked: each is read from ZFS (`written`, the token's `bytes`) and must appear exactly.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPool, requireGuest, sh, shResult, type Pool } from './lib.js';
import { layout } from './layout.js';
import { Zform, assertExit, cursorName, resumeToken, setupSshLogin, writeData } from './apply-helpers.js';
import { formatBytes } from '../../src/config/units.js';
import type { Action, DatasetPlan, Plan } from '../../src/plan/types.js';

requireGuest(import.meta.url);

const KiB = 1024;
const MiB = 1024 * KiB;
const NOTE = `Note: You didn't use the --out option to save this plan, so zform can't guarantee to take exactly these actions if you run "zform apply" now.`;
const LEGEND = ['Actions are indicated with the following symbols:', '  + create', '  ~ send/update', '  - destroy'];

interface Snap { guid: string; txg: number; written: number }
async function snap(name: string): Promise<Snap> {
  const [guid, txg, written] = (await sh(`zfs get -H -p -o value guid,createtxg,written ${name}`)).trim().split('\n');
  return { guid: guid!, txg: Number(txg), written: Number(written) };
}

/** The `bytes` a resume token says were received (`zfs send -nvt` prints them in hex). */
async function tokenBytes(token: string): Promise<number> {
  const out = await sh(`zfs send -nv -t ${token}`);
  const m = /^\s*bytes = (0x[0-9a-f]+)$/m.exec(out);
  assert.ok(m, `no bytes in the token's contents:\n${out}`);
  return Number(m[1]);
}

/** Cuts a send after 1,000,000 bytes into `zfs receive -s`: the target keeps a resume token. */
async function interrupt(send: string, target: string): Promise<string> {
  const r = await shResult(`${send} 2>/dev/null | head -c 1000000 | zfs receive -s -u ${target}`);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Partially received snapshot is saved/);
  const token = await resumeToken(target);
  assert.match(token, /^1-[0-9a-f]+-[0-9a-f]+-[0-9a-f]+$/);
  return token;
}

const datasetOf = (p: Plan, job: string, source: string): DatasetPlan => {
  const d = p.jobs.find((j) => j.job === job)?.datasets.find((x) => x.source === source);
  assert.ok(d, `no dataset ${source} in job ${job}`);
  return d;
};
type Send = Extract<Action, { kind: 'send' }>;
const sendsOf = (d: DatasetPlan): Send[] => d.actions.filter((a): a is Send => a.kind === 'send');
/** The key fields of a send: [mode, from, to, intermediates, raw, force, estimatedBytes]. */
const shape = (s: Send) => [s.mode, s.from ? `${s.from.kind === 'snapshot' ? '@' : '#'}${s.from.name}` : null, `@${s.to.name}`, s.intermediates, s.flags.raw, s.receive.force, s.estimatedBytes];

function scenarios(ssh: boolean): void {
  const S = ssh ? 'zqrs' : 'zqls';
  const T = ssh ? 'zqrt' : 'zqlt';
  const z = new Zform();
  // the unencrypted job pushes local → PH, the encrypted one pulls VH → local
  const PH = ssh ? 'nas' : 'local';
  const VH = ssh ? 'nas' : 'local';
  const P = ssh ? 'nas:' : '';
  const V = ssh ? 'nas:' : '';
  const PLAIN = `${S}/plain`;
  const VAULT = `${S}/vault`;
  const INNER = `${S}/vault/inner`;
  const tp = `${T}/plain/${PLAIN}`;
  const tv = `${T}/vault/${VAULT}`;
  const ti = `${T}/vault/${INNER}`;
  let src: Pool;
  let dst: Pool;
  let hostsYaml = '';
  let cfg = '';

  const job = (name: string, host: string, filesystems: string, targetHost: string, rootFs: string, extra = '') =>
    `  - name: ${name}\n    source: { host: ${host}, filesystems: { "${filesystems}": true } }\n    target: { host: ${targetHost}, root_fs: ${rootFs} }\n${extra}`;
  const configFile = (name: string, jobs: string) => z.config(name, `${hostsYaml}jobs:\n${jobs}`);

  /** `zform plan` (human) with these arguments: its stdout lines; stderr holds nothing but warning log lines
   *  (a conflict is also logged at the default level, warn, for cron and log collectors). */
  const human = async (args: string[], code: number, file = cfg): Promise<string[]> => {
    const r = await z.run(['plan', '-c', file, ...args]);
    assertExit(r, code, `zform plan ${args.join(' ')}`);
    for (const l of r.stderr.split('\n').filter(Boolean)) assert.match(l, /^\d\d:\d\d:\d\d\.\d{3} warn {2}\[/, `stderr: ${r.stderr}`);
    return r.stdout.split('\n');
  };
  /** The lines without the warning about other jobs' holds and bookmarks (plan warns about them when a config no
   *  longer has their job, as these single-job configs of one source do); asserts it names `job`. */
  const withoutForeignWarning = (lines: string[], job: string): string[] => {
    const at = lines.findIndex((l) => /^Warning: \d+ holds?\/bookmarks? of job /.test(l));
    assert.ok(at > 0 && lines[at]!.includes(`of job ${job},`), lines.join('\n'));
    let end = at + 1;
    while (end < lines.length && lines[end]!.startsWith('  ')) end++;
    return [...lines.slice(0, at - 1), ...lines.slice(end)];
  };
  const json = async (args: string[], code: number, file = cfg): Promise<Plan> => {
    const r = await z.run(['plan', '-c', file, '--json', ...args]);
    assertExit(r, code, `zform plan --json ${args.join(' ')}`);
    return JSON.parse(r.stdout) as Plan;
  };
  const apply = async (args: string[], file = cfg) => {
    const r = await z.run(['apply', '-c', file, ...args]);
    assertExit(r, 0, `zform apply ${args.join(' ')}`);
    assert.match(r.stdout, /^Apply complete! /m);
  };

  /** The lines after a confirmed step to @to (from @from, null for a full send) on the source `ds` → target `t`. */
  const completeLines = (jobName: string, srcLabel: string, ds: string, tgtLabel: string, t: string, from: string | null, to: string, toGuid: string, fromGuid: string | null, stepHeld: string) => [
    `    + hold zform_last_received_J_${jobName} on ${tgtLabel}${t}@${to}`,
    ...(from ? [`    - release zform_last_received_J_${jobName} on ${tgtLabel}${t}@${from}`, `        superseded by the last-received hold on @${to}`] : []),
    `    + bookmark ${srcLabel}${ds}@${to} as #${cursorName(toGuid, jobName)}`,
    ...(fromGuid ? [`    - destroy ${srcLabel}${ds}#${cursorName(fromGuid, jobName)}`, `        superseded by the replication cursor on @${to}`] : []),
    `    - release zform_STEP_J_${jobName} on ${srcLabel}${ds}@${stepHeld}`,
    `        step to @${to} complete`,
  ];

  before(async () => {
    src = await createPool(S, { mounted: true });
    dst = await createPool(T);
    if (ssh) {
      const login = await setupSshLogin('zformplan');
      hostsYaml = `hosts:\n  nas:\n    ssh: { host: 127.0.0.1, port: 22, user: ${login.user}, identity_file: ${login.identityFile}, known_hosts: ${login.knownHosts} }\n`;
    }
    cfg = configFile('zform.yml', job('plain', 'local', PLAIN, PH, `${T}/plain`) + job('vault', VH, `${VAULT}<`, 'local', `${T}/vault`, '    send: { encrypted: true }\n'));
  });

  after(async () => {
    await src?.destroy();
    await dst?.destroy();
  });

  test(`fresh${ssh ? ' over SSH' : ''}: placeholders for root_fs and its parents, full sends, -w for the encrypted tree`, async () => {
    await layout(src, 'plain enc:vault vault/inner data:plain=512K data:vault=256K data:vault/inner=128K plain@a1 vault@a1 vault/inner@a1');
    const [p1, v1, i1] = await Promise.all([`${PLAIN}@a1`, `${VAULT}@a1`, `${INNER}@a1`].map(snap));
    const total = p1!.written + v1!.written + i1!.written;
    const initial = '        initial replication (initial: most_recent): full send of the newest snapshot; protection guarantee_resumability';
    const placeholder = (label: string, name: string) => [`  # ${label}${name}: missing parent of replicated datasets`, `    + placeholder ${label}${name} (zform:placeholder=on, mountpoint=none)`, ''];
    assert.deepEqual(await human([], 0), [
      ...LEGEND,
      '',
      'zform will perform the following actions:',
      '',
      `# job plain (local → ${PH}): 1 send (${formatBytes(p1!.written)}), 2 placeholders, 2 holds, 1 release, 1 bookmark`,
      '',
      ...placeholder(P, `${T}/plain`),
      ...placeholder(P, `${T}/plain/${S}`),
      `  # ${PLAIN} → ${P}${tp}`,
      `    + hold zform_STEP_J_plain on ${PLAIN}@a1`,
      `    ~ send full ${PLAIN}@a1 to ${P}${tp} (full, ~${formatBytes(p1!.written)})`,
      initial,
      ...completeLines('plain', '', PLAIN, P, tp, null, 'a1', p1!.guid, null, 'a1'),
      '',
      `# job vault (${VH} → local): 2 sends (${formatBytes(v1!.written + i1!.written)}), 2 placeholders, 4 holds, 2 releases, 2 bookmarks`,
      '',
      ...placeholder('', `${T}/vault`),
      ...placeholder('', `${T}/vault/${S}`),
      `  # ${V}${VAULT} → ${tv}`,
      `    + hold zform_STEP_J_vault on ${V}${VAULT}@a1`,
      `    ~ send full ${V}${VAULT}@a1 to ${tv} (full, -w, ~${formatBytes(v1!.written)})`,
      initial,
      ...completeLines('vault', V, VAULT, '', tv, null, 'a1', v1!.guid, null, 'a1'),
      '',
      `  # ${V}${INNER} → ${ti}`,
      `    + hold zform_STEP_J_vault on ${V}${INNER}@a1`,
      `    ~ send full ${V}${INNER}@a1 to ${ti} (full, -w, ~${formatBytes(i1!.written)})`,
      initial,
      ...completeLines('vault', V, INNER, '', ti, null, 'a1', i1!.guid, null, 'a1'),
      '',
      `Plan: 3 sends (${formatBytes(total)}), 4 placeholders, 6 holds, 3 releases, 3 bookmarks.`,
      '',
      NOTE,
      '',
    ]);

    const plan = await json([], 0);
    assert.deepEqual(plan.jobs.map((j) => [j.job, j.sourceHost, j.targetHost]), [['plain', 'local', PH], ['vault', VH, 'local']]);
    assert.deepEqual(plan.jobs[1]!.datasets.map((d) => [d.source, d.target, d.dependsOn]), [
      ['', `${T}/vault`, []], [S, `${T}/vault/${S}`, ['']], [VAULT, tv, ['', S]], [INNER, ti, ['', S, VAULT]],
    ], 'parents first: the placeholders, then the encryption root, then its child');
    assert.deepEqual(sendsOf(datasetOf(plan, 'plain', PLAIN)).map(shape), [['full', null, '@a1', false, false, false, p1!.written]]);
    assert.deepEqual(sendsOf(datasetOf(plan, 'vault', VAULT)).map(shape), [['full', null, '@a1', false, true, false, v1!.written]]);
    assert.deepEqual(sendsOf(datasetOf(plan, 'vault', INNER)).map(shape), [['full', null, '@a1', false, true, false, i1!.written]]);
    assert.equal(sendsOf(datasetOf(plan, 'vault', INNER))[0]!.to.guid, i1!.guid);
    assert.deepEqual([plan.summary.sends, plan.summary.sendBytes, plan.summary.placeholders, plan.summary.errors, plan.summary.warnings], [3, total, 4, 0, 0]);

    await apply(['--auto-approve']);
    // each raw-received dataset is its own encryption root, its key not loaded; the placeholders are unencrypted
    // (zfs get prints datasets sorted by name)
    assert.equal((await sh(`zfs get -H -o value encryption,encryptionroot,keystatus ${T}/vault/${S} ${tv} ${ti}`)).trim().split('\n').join(' '),
      `off - - aes-256-gcm ${tv} unavailable aes-256-gcm ${ti} unavailable`);
    await z.assertNoChanges(cfg);
  });

  test(`incremental${ssh ? ' over SSH' : ''}: one -I step per dataset, -w for the encrypted ones; the cursor and last-received hold move`, async () => {
    await writeData([PLAIN, 128 * KiB], [VAULT, 64 * KiB], [INNER, 64 * KiB]);
    await sh(`zfs snapshot ${PLAIN}@a2 && zfs snapshot -r ${VAULT}@a2`);
    await writeData([PLAIN, 64 * KiB], [VAULT, 32 * KiB], [INNER, 32 * KiB]);
    await sh(`zfs snapshot ${PLAIN}@a3 && zfs snapshot -r ${VAULT}@a3`);
    const s = Object.fromEntries(await Promise.all([PLAIN, VAULT, INNER].flatMap((d) => ['a1', 'a2', 'a3'].map(async (n) => [`${d}@${n}`, await snap(`${d}@${n}`)] as const))));
    const size = (d: string) => s[`${d}@a2`]!.written + s[`${d}@a3`]!.written;
    const step = (jobName: string, label: string, d: string, tl: string, t: string, flags: string) => [
      `    + hold zform_STEP_J_${jobName} on ${label}${d}@a1, @a2, @a3`,
      `    ~ send incremental ${label}${d}@a1 → @a3 to ${tl}${t} (-I with @a2, ${flags}~${formatBytes(size(d))})`,
      '        batched -I (2 snapshots): guarantee_resumability holds every snapshot in the range',
      ...completeLines(jobName, label, d, tl, t, 'a1', 'a3', s[`${d}@a3`]!.guid, s[`${d}@a1`]!.guid, 'a1, @a2, @a3'),
      '',
    ];
    assert.deepEqual(await human([], 0), [
      ...LEGEND,
      '',
      'zform will perform the following actions:',
      '',
      `# job plain (local → ${PH}): 1 send (${formatBytes(size(PLAIN))}), 2 holds, 2 releases, 1 bookmark, 1 destroy`,
      '',
      `  # ${PLAIN} → ${P}${tp}`,
      ...step('plain', '', PLAIN, P, tp, ''),
      `# job vault (${VH} → local): 2 sends (${formatBytes(size(VAULT) + size(INNER))}), 4 holds, 4 releases, 2 bookmarks, 2 destroys`,
      '',
      `  # ${V}${VAULT} → ${tv}`,
      ...step('vault', V, VAULT, '', tv, '-w, '),
      `  # ${V}${INNER} → ${ti}`,
      ...step('vault', V, INNER, '', ti, '-w, '),
      `Plan: 3 sends (${formatBytes(size(PLAIN) + size(VAULT) + size(INNER))}), 6 holds, 6 releases, 3 bookmarks, 3 destroys.`,
      '',
      NOTE,
      '',
    ]);
    const plan = await json([], 0);
    for (const [jobName, d] of [['plain', PLAIN], ['vault', VAULT], ['vault', INNER]] as const) {
      const [send] = sendsOf(datasetOf(plan, jobName, d));
      assert.deepEqual(shape(send!), ['incremental', '@a1', '@a3', true, jobName === 'vault', false, size(d)]);
      assert.deepEqual(send!.includes.map((r) => [r.name, r.guid]), [['a2', s[`${d}@a2`]!.guid], ['a3', s[`${d}@a3`]!.guid]]);
      assert.equal(send!.from!.guid, s[`${d}@a1`]!.guid);
    }
    await apply(['--auto-approve']);
    await z.assertNoChanges(cfg);
  });

  test(`resumable${ssh ? ' over SSH' : ''}: a decrypted and a raw token resume; a decrypted token on the raw job is aborted with the reason`, async () => {
    await writeData([PLAIN, 3 * MiB], [VAULT, 3 * MiB], [INNER, 3 * MiB]);
    await sh(`zfs snapshot ${PLAIN}@a4 && zfs snapshot -r ${VAULT}@a4`);
    const plainToken = await interrupt(`zfs send -i @a3 ${PLAIN}@a4`, tp);
    const innerToken = await interrupt(`zfs send -w -i @a3 ${INNER}@a4`, ti);
    // a decrypted stream into the raw-received vault needs its key loaded; the token it leaves is not raw
    await sh(`zfs load-key -L file://${src.keyFile} ${tv}`);
    const vaultToken = await interrupt(`zfs send -i @a3 ${VAULT}@a4`, tv);
    assert.match(await sh(`zfs send -nv -t ${innerToken}`), /^\s*rawok = 1$/m, 'the inner token is raw');
    assert.doesNotMatch(await sh(`zfs send -nv -t ${vaultToken}`), /rawok/, 'the vault token is not');
    const s = Object.fromEntries(await Promise.all([PLAIN, VAULT, INNER].flatMap((d) => ['a3', 'a4'].map(async (n) => [`${d}@${n}`, await snap(`${d}@${n}`)] as const))));
    const done = { plain: await tokenBytes(plainToken), inner: await tokenBytes(innerToken) };
    const left = { plain: Math.max(0, s[`${PLAIN}@a4`]!.written - done.plain), inner: Math.max(0, s[`${INNER}@a4`]!.written - done.inner) };
    const vaultSize = s[`${VAULT}@a4`]!.written;
    const reason = 'the resume token is for a decrypted send, but the job sends raw (send.encrypted or send.raw)';
    const resumeStep = (jobName: string, label: string, d: string, tl: string, t: string, flags: string, bytes: number, rest: number) => [
      `    + hold zform_STEP_J_${jobName} on ${label}${d}@a3, @a4`,
      `    ~ send resume ${label}${d}@a3 → @a4 to ${tl}${t} (zfs send -t, ${flags}~${formatBytes(rest)})`,
      `        resumes the interrupted receive of @a4 (receive_resume_token), ${formatBytes(bytes)} already received; protection guarantee_resumability`,
      ...completeLines(jobName, label, d, tl, t, 'a3', 'a4', s[`${d}@a4`]!.guid, s[`${d}@a3`]!.guid, 'a3, @a4'),
      '',
    ];
    assert.deepEqual(await human([], 0), [
      ...LEGEND,
      '',
      'zform will perform the following actions:',
      '',
      `# job plain (local → ${PH}): 1 send (${formatBytes(left.plain)}), 2 holds, 2 releases, 1 bookmark, 1 destroy`,
      '',
      `  # ${PLAIN} → ${P}${tp}`,
      ...resumeStep('plain', '', PLAIN, P, tp, '', done.plain, left.plain),
      `# job vault (${VH} → local): 2 sends (${formatBytes(vaultSize + left.inner)}), 4 holds, 4 releases, 2 bookmarks, 1 aborted receive, 2 destroys`,
      '',
      `  # ${V}${VAULT} → ${tv}`,
      `    - abort the resumable receive on ${tv} (zfs receive -A)`,
      `        ${reason}`,
      '',
      `    + hold zform_STEP_J_vault on ${V}${VAULT}@a3, @a4`,
      `    ~ send incremental ${V}${VAULT}@a3 → @a4 to ${tv} (-i, -w, ~${formatBytes(vaultSize)})`,
      '        -i: one snapshot; protection guarantee_resumability',
      ...completeLines('vault', V, VAULT, '', tv, 'a3', 'a4', s[`${VAULT}@a4`]!.guid, s[`${VAULT}@a3`]!.guid, 'a3, @a4'),
      '',
      `  # ${V}${INNER} → ${ti}`,
      ...resumeStep('vault', V, INNER, '', ti, '-w, ', done.inner, left.inner),
      `Warning: interrupted receive on ${tv} cannot be resumed: ${reason}`,
      `  on job vault, dataset ${VAULT}`,
      `  planned: zfs receive -A ${tv}, then replication as if it had not started`,
      '',
      `Plan: 3 sends (${formatBytes(left.plain + vaultSize + left.inner)}), 6 holds, 6 releases, 3 bookmarks, 1 aborted receive, 3 destroys.`,
      '',
      NOTE,
      '',
    ]);
    const plan = await json([], 0);
    const [plainSend] = sendsOf(datasetOf(plan, 'plain', PLAIN));
    const [innerSend] = sendsOf(datasetOf(plan, 'vault', INNER));
    assert.deepEqual([...shape(plainSend!), plainSend!.token], ['resume', '@a3', '@a4', false, false, false, left.plain, plainToken]);
    assert.deepEqual([...shape(innerSend!), innerSend!.token], ['resume', '@a3', '@a4', false, true, false, left.inner, innerToken]);
    assert.deepEqual([innerSend!.from!.guid, innerSend!.to.guid], [s[`${INNER}@a3`]!.guid, s[`${INNER}@a4`]!.guid]);
    const vault = datasetOf(plan, 'vault', VAULT);
    assert.deepEqual(vault.actions.slice(0, 1).map((a) => [a.kind, a.host, a.kind === 'abort_resume' ? a.dataset : '']), [['abort_resume', 'local', tv]]);
    assert.deepEqual(sendsOf(vault).map(shape), [['incremental', '@a3', '@a4', false, true, false, vaultSize]]);
    assert.deepEqual(vault.diagnostics.map((d) => [d.severity, d.conflict]), [['warning', { type: 'resume_token_unusable', reason }]]);

    await apply(['--auto-approve']);
    for (const t of [tp, tv, ti]) assert.equal(await resumeToken(t), '-');
    for (const [d, t] of [[PLAIN, tp], [VAULT, tv], [INNER, ti]]) assert.equal((await snap(`${t}@a4`)).guid, s[`${d}@a4`]!.guid, `${t}@a4`);
    await sh(`zfs unload-key ${tv}`);
    await z.assertNoChanges(cfg);
  });

  test(`a diverged target${ssh ? ' over SSH' : ''}: refused with the evidence (exit 1); with --allow-rollback our hold is released and the rollback shown`, async () => {
    await sh(`zfs snapshot ${tp}@local && zfs hold zform_last_received_J_plain ${tp}@local`);
    await writeData([PLAIN, 128 * KiB]);
    await sh(`zfs snapshot ${PLAIN}@a5`);
    const [a4, a5, local] = await Promise.all([`${PLAIN}@a4`, `${PLAIN}@a5`, `${tp}@local`].map(snap));
    const evidence = [
      `  common ancestor: ${PLAIN}@a4 (guid ${a4!.guid}, createtxg ${a4!.txg})`,
      '  only on the source:',
      `      ${PLAIN}@a5 (guid ${a5!.guid}, createtxg ${a5!.txg})`,
      '  only on the target:',
      `      ${P}${tp}@local (guid ${local!.guid}, createtxg ${local!.txg})`,
    ];
    const summary = `target diverged: ${tp}'s newest snapshot @local is not on the source`;
    assert.deepEqual(await human(['--job', 'plain'], 1), [
      `Error: ${summary}`,
      `  on job plain, dataset ${PLAIN}`,
      ...evidence,
      `  zform never destroys target snapshots on its own: --allow-rollback (or replication.allow_rollback) would roll ${tp} back to @a4, destroying 1 snapshot`,
      '',
      'No changes planned.',
      '1 dataset cannot proceed (see the errors above).',
      '',
    ]);
    const refused = await json(['--job', 'plain'], 1);
    const d = datasetOf(refused, 'plain', PLAIN);
    assert.deepEqual(d.actions, []);
    assert.deepEqual(d.diagnostics.map((x) => [x.severity, x.summary]), [['error', summary]]);
    const c = d.diagnostics[0]!.conflict;
    assert.ok(c?.type === 'diverged');
    assert.deepEqual([c.commonAncestor.guid, c.sourceOnly.map((r) => r.guid), c.targetOnly.map((r) => [r.dataset, r.name, r.guid])], [a4!.guid, [a5!.guid], [[tp, 'local', local!.guid]]]);

    assert.deepEqual(await human(['--job', 'plain', '--allow-rollback'], 0), [
      ...LEGEND,
      '-/+ replace',
      '',
      'zform will perform the following actions:',
      '',
      `# job plain (local → ${PH}): 1 send (${formatBytes(a5!.written)}), 2 holds, 3 releases, 1 bookmark, 1 rollback, 2 destroys`,
      '',
      `  # ${PLAIN} → ${P}${tp}`,
      `    - release zform_last_received_J_plain on ${P}${tp}@local`,
      '        the rollback to @a4 destroys the snapshot',
      `  -/+ rollback ${P}${tp}@a4, destroying ${P}${tp}@local`,
      '        target diverged: back to @a4, the newest snapshot it shares with the source',
      '',
      `    + hold zform_STEP_J_plain on ${PLAIN}@a4, @a5`,
      `    ~ send incremental ${PLAIN}@a4 → @a5 to ${P}${tp} (-i, ~${formatBytes(a5!.written)})`,
      '        -i: one snapshot; protection guarantee_resumability',
      ...completeLines('plain', '', PLAIN, P, tp, 'a4', 'a5', a5!.guid, a4!.guid, 'a4, @a5'),
      '',
      `Warning: ${summary}`,
      `  on job plain, dataset ${PLAIN}`,
      ...evidence,
      `  planned: roll ${tp} back to @a4, the newest common snapshot, destroying 1 newer version (allowed by --allow-rollback or replication.allow_rollback)`,
      '',
      `Plan: 1 send (${formatBytes(a5!.written)}), 2 holds, 3 releases, 1 bookmark, 1 rollback, 2 destroys.`,
      '',
      NOTE,
      '',
    ]);
    const file = z.file('rollback.plan');
    const allowed = await json(['--job', 'plain', '--allow-rollback', '--out', file], 0);
    const [release, rollback] = datasetOf(allowed, 'plain', PLAIN).actions;
    assert.deepEqual([release!.kind, release!.host, release!.side], ['release', PH, 'target']);
    assert.ok(rollback!.kind === 'rollback');
    assert.deepEqual([rollback.host, rollback.dataset, rollback.to.guid, rollback.destroys.map((r) => r.guid)], [PH, tp, a4!.guid, [local!.guid]]);
    const r = await z.run(['apply', '-c', cfg, file]);
    assertExit(r, 0, 'apply of the rollback plan');
    assert.equal((await sh(`zfs list -H -o name -t snapshot ${tp}`)).includes('@local'), false);
    assert.equal((await snap(`${tp}@a5`)).guid, a5!.guid);
    await z.assertNoChanges(cfg);
  });

  test(`targets that cannot take a raw stream${ssh ? ' (source over SSH)' : ''}: received decrypted, or an unencrypted placeholder: refused by zfs, and by the plan (exit 1)`, async () => {
    // a copy of inner received decrypted, then a job that sends it raw
    const mixed = `${T}/mixed/${INNER}`;
    await sh(`zfs create -p -o mountpoint=none ${T}/mixed/${VAULT} && zfs send ${INNER}@a4 | zfs receive -u ${mixed}`);
    await writeData([INNER, 64 * KiB]);
    await sh(`zfs snapshot ${INNER}@a6`);
    const refusedByZfs = await shResult(`zfs send -w -i @a4 ${INNER}@a6 | zfs receive -u ${mixed}`);
    assert.match(refusedByZfs.stderr, /cannot perform raw receive on top of existing unencrypted dataset/);
    const mixedCfg = configFile('mixed.yml', job('mixed', VH, INNER, 'local', `${T}/mixed`, '    send: { encrypted: true }\n'));
    const mixedSummary = `cannot send ${INNER} raw to ${mixed}: ${mixed} is not encrypted`;
    assert.deepEqual(withoutForeignWarning(await human([], 1, mixedCfg), 'vault'), [
      `Error: ${mixedSummary}`,
      `  on job mixed, dataset ${INNER}`,
      `  ${mixed} was received decrypted, and zfs receive refuses a raw (-w) stream on top of an unencrypted dataset`,
      `  turn send.encrypted and send.raw off for job mixed, or rename or destroy ${mixed} so that it is received raw from scratch`,
      '',
      'No changes planned.',
      '1 dataset cannot proceed (see the errors above).',
      '',
    ]);
    const mixedPlan = await json([], 1, mixedCfg);
    assert.deepEqual(datasetOf(mixedPlan, 'mixed', INNER).actions, []);
    assert.deepEqual(datasetOf(mixedPlan, 'mixed', INNER).diagnostics.map((x) => [x.severity, x.summary]), [['error', mixedSummary]]);

    // inner replicated first (its parent becomes a placeholder), then the whole tree: the placeholder would need -F
    const late = `${T}/late/${VAULT}`;
    await apply(['--auto-approve'], configFile('late1.yml', job('late', VH, INNER, 'local', `${T}/late`, '    send: { encrypted: true }\n')));
    assert.equal((await sh(`zfs get -H -o value zform:placeholder,encryption ${late}`)).trim(), 'on\noff');
    const refusedF = await shResult(`zfs send -w ${VAULT}@a4 | zfs receive -F -u ${late}`);
    assert.match(refusedF.stderr, /zfs receive -F cannot be used to destroy an encrypted filesystem or overwrite an unencrypted one with an encrypted one/);
    const lateCfg = configFile('late2.yml', job('late', VH, `${VAULT}<`, 'local', `${T}/late`, '    send: { encrypted: true }\n'));
    const lateSummary = `cannot replace placeholder ${late} with ${VAULT}'s raw encrypted stream`;
    assert.deepEqual(withoutForeignWarning(await human([], 1, lateCfg), 'vault'), [
      `Error: ${lateSummary}`,
      `  on job late, dataset ${VAULT}`,
      `  zfs receive -F cannot overwrite an unencrypted dataset with an encrypted one; ${late} exists only as the parent of datasets replicated before ${VAULT} was selected`,
      `  send ${VAULT} decrypted (send.encrypted and send.raw off), or rename the datasets below ${late} away and destroy it, then plan again`,
      '',
      'No changes planned.',
      '1 dataset cannot proceed (see the errors above).',
      '',
    ]);
    const latePlan = await json([], 1, lateCfg);
    assert.deepEqual(latePlan.jobs[0]!.datasets.map((x) => [x.source, x.actions.length, x.diagnostics.map((g) => g.summary)]), [
      [VAULT, 0, [lateSummary]], [INNER, 0, []],
    ]);
  });
}

describe('zform plan, local', () => scenarios(false));
describe('zform plan, over SSH (push of the unencrypted job, pull of the encrypted one)', () => scenarios(true));
