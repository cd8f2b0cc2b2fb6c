// Benchmark 3 (in the guest): a full send of incompressible data through `zform apply` against the same `zfs send |
// zfs recv` run by hand, locally and over SSH to the guest's own sshd; and zform's peak RSS at two stream sizes.
// Runs alternate raw, zform, zform, raw so that cache warmth favours neither. zform's time is its send action's
// elapsed time (--json apply_complete: send start to receive end); raw's is the shell pipeline's.
// Size: ZFORM_BENCH_GIB (2) GiB, and a quarter of it for the second RSS point.
import { readFileSync } from 'node:fs';
import { q, sh, sshSetup } from '../test/real/lib.js';
import {
  CountingZfs, ZFORM, check, describeGuest, fmt, renderTable, requireGuest, timed, writeConfig, zformEnv,
} from './lib.js';

requireGuest();
const GiB = 1024 ** 3;
const BIG = Math.round(Number(process.env.ZFORM_BENCH_GIB ?? 2) * GiB);
const SMALL = Math.round(BIG / 4);
const MiBs = (bytes: number, s: number) => bytes / 1024 / 1024 / s;

interface Run { what: string; seconds: number; bytes: number; reported?: number; rssKiB: number | null }

let pools = 0;
/** A fresh target pool for one run (held snapshots never block `zpool destroy`). */
async function withTarget<T>(fn: (pool: string) => Promise<T>): Promise<T> {
  const pool = `tdst${++pools}`;
  // every run starts from the same state: nothing left to write back, the guest's caches empty
  await sh('zpool sync && sync && echo 3 > /proc/sys/vm/drop_caches');
  await sh(`truncate -s ${Math.ceil(BIG / GiB) + 1}G /mnt/disk/${pool}.img && zpool create -O mountpoint=none -O compression=off ${pool} /mnt/disk/${pool}.img`);
  try { return await fn(pool); } finally { await sh(`zpool destroy -f ${pool} && rm -f /mnt/disk/${pool}.img`); }
}

async function main(): Promise<void> {
  const zfs = await CountingZfs.install();
  const ssh = await sshSetup();
  const t0 = performance.now();
  await sh([
    `truncate -s ${Math.ceil((BIG + SMALL) / GiB) + 1}G /mnt/disk/tsrc.img`,
    'zpool create -O mountpoint=/mnt/tsrc -O compression=off tsrc /mnt/disk/tsrc.img',
    'zfs create tsrc/big && zfs create tsrc/small',
    // incompressible: urandom in 64 MiB files
    `for i in $(seq 1 ${Math.ceil(BIG / (64 * 1024 ** 2))}); do head -c 64M /dev/urandom > /mnt/tsrc/big/f$i; done`,
    `for i in $(seq 1 ${Math.ceil(SMALL / (64 * 1024 ** 2))}); do head -c 64M /dev/urandom > /mnt/tsrc/small/f$i; done`,
    'zfs snapshot tsrc/big@s1 tsrc/small@s1',
  ].join(' && '));
  const dataSecs = (performance.now() - t0) / 1000;
  // exact, counted by wc (the -nP estimate is not)
  const streamBytes = async (snap: string) => Number((await sh(`zfs send ${snap} | wc -c`)).trim());
  const bigBytes = await streamBytes('tsrc/big@s1');
  const smallBytes = await streamBytes('tsrc/small@s1');
  process.stderr.write(`[bench] wrote ${fmt((BIG + SMALL) / GiB, 2)} GiB of urandom data in ${fmt(dataSecs)} s\n`);

  const sshArgs = `-i ${q(ssh.identityFile)} -o UserKnownHostsFile=${q(ssh.knownHosts!)} -o BatchMode=yes root@127.0.0.1`;
  const hostsYaml = `hosts:
  self:
    ssh: { host: 127.0.0.1, user: root, identity_file: ${ssh.identityFile}, known_hosts: ${ssh.knownHosts} }
`;
  let jobs = 0;
  // throughNode: a bandwidth limit far above what the guest can do keeps a local transfer in zform's own pipeline
  // (every byte through node, as before the direct path), for comparison in the same run
  const zform = (dataset: string, remote: boolean, what: string, throughNode = false): Promise<Run> => withTarget(async (pool) => {
    const job = `t${++jobs}`;
    const cfg = writeConfig(`${job}.yml`, `${hostsYaml}jobs:
  - name: ${job}
    source: { host: local, filesystems: { "${dataset}": true } }
    target: { host: ${remote ? 'self' : 'local'}, root_fs: ${pool}/z }
${throughNode ? '    send: { bandwidth_limit: { max: 64 GiB, bucket_capacity: 1 GiB } }\n' : ''}`);
    await sh(`zfs create ${pool}/z`);
    zfs.reset();
    const r = check(`zform ${what}`, await timed(['/usr/bin/time', '-f', '%M', '-o', '/tmp/zform-bench/rss', 'node', ZFORM, 'apply', '--auto-approve', '--json', '-c', cfg], zformEnv(zfs.env())));
    const done = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((e) => e.type === 'apply_complete' && (e.action as { kind?: string } | undefined)?.kind === 'send');
    if (!done) throw new Error(`zform ${what}: no send completed\n${r.stdout}`);
    const rssKiB = Number(readFileSync('/tmp/zform-bench/rss', 'utf8').trim().split('\n').pop());
    const exact = dataset === 'tsrc/big' ? bigBytes : smallBytes;
    const run = { what, seconds: Number(done.elapsed_seconds), bytes: exact, reported: Number(done.bytes), rssKiB };
    process.stderr.write(`[bench] ${what}: ${fmt(run.seconds)} s, ${fmt(MiBs(run.bytes, run.seconds))} MiB/s, peak RSS ${fmt(rssKiB / 1024)} MiB, reported ${run.reported} of ${exact} bytes\n`);
    return run;
  });
  const raw = (dataset: string, remote: boolean, what: string): Promise<Run> => withTarget(async (pool) => {
    await sh(`zfs create ${pool}/r`);
    // the same argv zform runs: zfs send SNAP | zfs receive -s -u DATASET
    const recv = `zfs receive -s -u ${pool}/r/x`;
    const cmd = `set -o pipefail; zfs send ${dataset}@s1 | ${remote ? `ssh ${sshArgs} ${q(recv)}` : recv}`;
    const r = check(`raw ${what}`, await timed(['bash', '-c', cmd], process.env));
    const run = { what, seconds: r.ms / 1000, bytes: bigBytes, rssKiB: null };
    process.stderr.write(`[bench] ${what}: ${fmt(run.seconds)} s, ${fmt(MiBs(run.bytes, run.seconds))} MiB/s\n`);
    return run;
  });

  const runs: Run[] = [];
  runs.push(await raw('tsrc/big', false, 'raw local 1'));
  runs.push(await zform('tsrc/big', false, 'zform local 1'));
  runs.push(await zform('tsrc/big', false, 'node-path local 1', true));
  runs.push(await zform('tsrc/big', false, 'node-path local 2', true));
  runs.push(await zform('tsrc/big', false, 'zform local 2'));
  runs.push(await raw('tsrc/big', false, 'raw local 2'));
  runs.push(await raw('tsrc/big', true, 'raw ssh 1'));
  runs.push(await zform('tsrc/big', true, 'zform ssh 1'));
  runs.push(await zform('tsrc/big', true, 'zform ssh 2'));
  runs.push(await raw('tsrc/big', true, 'raw ssh 2'));
  const small = await zform('tsrc/small', false, 'zform local, small stream');
  const zformSends = zfs.calls().filter((c) => c.argv[0] === 'send' || c.argv[0] === 'receive').map((c) => `zfs ${c.argv.join(' ')}`);

  const mean = (prefix: string) => { const xs = runs.filter((r) => r.what.startsWith(prefix)); return xs.reduce((s, r) => s + r.seconds, 0) / xs.length; };
  const ratio = (where: string) => mean(`raw ${where}`) / mean(`zform ${where}`);
  const rssBig = Math.max(...runs.filter((r) => r.rssKiB !== null && r.what.startsWith('zform local')).map((r) => r.rssKiB!));
  process.stdout.write([
    `Guest: ${await describeGuest()}`,
    `Data: ${fmt(BIG / GiB, 2)} GiB (stream ${fmt(bigBytes / GiB, 2)} GiB) and ${fmt(SMALL / GiB, 2)} GiB (stream ${fmt(smallBytes / GiB, 2)} GiB) of /dev/urandom in 64 MiB files, compression=off, file vdevs on /mnt/disk; written in ${fmt(dataSecs)} s.`,
    `zform ran: ${zformSends.join(' ; ')}. SSH: the guest's sshd on 127.0.0.1 (raw: OpenSSH client; zform: its ssh2 connection).`,
    '',
    renderTable(['run', 'seconds', 'MiB/s', 'zform peak RSS MiB', 'bytes zform reported'], [...runs, small].map((r) => [
      r.what, fmt(r.seconds), fmt(MiBs(r.bytes, r.seconds)), r.rssKiB === null ? '' : fmt(r.rssKiB / 1024), r.reported === undefined ? '' : String(r.reported),
    ])),
    '',
    `Exact stream sizes (wc -c): ${bigBytes} and ${smallBytes} bytes. MiB/s are of these.`,
    `Throughput ratio zform/raw (mean time raw ÷ mean time zform): local ${fmt(ratio('local'), 3)} (through zform's own pipeline: ${fmt(mean('raw local') / mean('node-path local'), 3)}), over SSH ${fmt(ratio('ssh'), 3)}.`,
    `zform peak RSS: ${fmt(small.rssKiB! / 1024)} MiB for a ${fmt(smallBytes / GiB, 2)} GiB stream, ${fmt(rssBig / 1024)} MiB for ${fmt(bigBytes / GiB, 2)} GiB.`,
    '',
  ].join('\n'));
  await sh('zpool destroy -f tsrc && rm -f /mnt/disk/tsrc.img');
}

await main();
