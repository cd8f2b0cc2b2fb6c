// Benchmark 7 (in the guest): send.compression over SSH on a link limited to 20 MiB/s (zform's bandwidth limit,
// which counts bytes on the wire), from an uncompressed source: a dataset of log text and one of random data, each
// sent in full without compression (what every SSH send did before send.compression) and with each compression of
// ZFORM_BENCH_WIRE_COMPRESSION (space-separated, default "zstd"), in the order none, c1, c2, c2, c1, none so that
// cache warmth favours none of them. The time is the send action's elapsed time (apply --json apply_complete: send
// start to receive end). Size: ZFORM_BENCH_WIRE_MIB (192) MiB per dataset; ZFORM_BENCH_WIRE_LIMIT (20 MiB) the link.
import { openSync, writeSync, closeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { sh } from '../test/real/lib.js';
import { setupSshLogin } from '../test/real/apply-helpers.js';
import { ZFORM, check, describeGuest, fmt, renderTable, requireGuest, timed, writeConfig, zformEnv } from './lib.js';

requireGuest();
const MiB = 1024 * 1024;
const SIZE = Math.round(Number(process.env.ZFORM_BENCH_WIRE_MIB ?? 192) * MiB);
const COMPRESSIONS = (process.env.ZFORM_BENCH_WIRE_COMPRESSION ?? 'zstd').split(/\s+/).filter(Boolean);
const LIMIT = process.env.ZFORM_BENCH_WIRE_LIMIT ?? '20 MiB';

/** Log lines like a web server's: timestamps, hosts, paths, statuses, durations, request ids (random hex). */
function writeLogs(file: string, bytes: number): void {
  const fd = openSync(file, 'w');
  const paths = ['/api/v1/users', '/api/v1/orders', '/static/app.js', '/healthz', '/api/v1/search', '/login', '/api/v2/items'];
  const agents = ['curl/8.5.0', 'Mozilla/5.0 (X11; Linux x86_64)', 'Prometheus/2.48', 'python-requests/2.31'];
  let written = 0;
  let t = Date.UTC(2026, 11, 1);
  let n = 0;
  while (written < bytes) {
    const lines: string[] = [];
    const ids = randomBytes(8 * 1024);
    for (let i = 0; i < 1024; i++) {
      t += (ids[i * 8]! % 50);
      const ip = `10.${ids[i * 8 + 1]! % 4}.${ids[i * 8 + 2]!}.${ids[i * 8 + 3]!}`;
      const status = ids[i * 8 + 4]! < 240 ? 200 : ids[i * 8 + 4]! < 250 ? 404 : 500;
      lines.push(`${new Date(t).toISOString()} web${n % 3} nginx[${1200 + (n % 7)}]: ${ip} "GET ${paths[ids[i * 8 + 5]! % paths.length]}?page=${ids[i * 8 + 6]! % 20} HTTP/1.1" ${status} ${ids[i * 8 + 7]! * 37} ${(ids[i * 8 + 6]! % 900) / 1000}s "${agents[n % agents.length]}" rid=${ids.subarray(i * 8, i * 8 + 8).toString('hex')}\n`);
      n++;
    }
    const buf = Buffer.from(lines.join(''));
    const part = buf.subarray(0, Math.min(buf.length, bytes - written));
    writeSync(fd, part);
    written += part.length;
  }
  closeSync(fd);
}

/** "5.3 % slower" or "5.3 % faster" for a ratio of times (after / before). */
function slower(ratio: number): string {
  return `${fmt(Math.abs(ratio - 1) * 100, 1)} % ${ratio > 1 ? 'slower' : 'faster'}`;
}

interface Run { data: string; compression: string; seconds: number; bytes: number; wireBytes: number }

async function main(): Promise<void> {
  const login = await setupSshLogin('zformbench');
  const t0 = performance.now();
  await sh([
    `truncate -s ${Math.ceil((2 * SIZE) / 1024 ** 3) + 1}G /mnt/disk/wsrc.img`,
    'zpool create -O mountpoint=/mnt/wsrc -O compression=off wsrc /mnt/disk/wsrc.img',
    `truncate -s ${Math.ceil(SIZE / 1024 ** 3) + 1}G /mnt/disk/wdst.img`,
    'zpool create -O mountpoint=none -O compression=off wdst /mnt/disk/wdst.img',
    'zfs create wsrc/logs && zfs create wsrc/random',
    `head -c ${SIZE} /dev/urandom > /mnt/wsrc/random/data`,
  ].join(' && '));
  writeLogs('/mnt/wsrc/logs/access.log', SIZE);
  await sh('zfs snapshot wsrc/logs@s1 wsrc/random@s1');
  process.stderr.write(`[bench] wrote ${fmt((2 * SIZE) / MiB, 0)} MiB in ${fmt((performance.now() - t0) / 1000)} s\n`);
  // what the program itself does on this guest's CPU, for the record
  const cpu = async (cmd: string) => {
    const s = performance.now();
    const out = (await sh(cmd)).trim();
    return { seconds: (performance.now() - s) / 1000, out };
  };
  const alone: string[] = [];
  for (const c of COMPRESSIONS) {
    const [program, level] = c.split(':');
    const r = await cpu(`${program} -c ${level ? `-${level}` : ''} < /mnt/wsrc/logs/access.log | wc -c`);
    alone.push(`${c} alone on the log file (one process): ${fmt(r.seconds)} s for ${fmt(SIZE / MiB, 0)} MiB, ${fmt(Number(r.out) / MiB)} MiB out.`);
    process.stderr.write(`[bench] ${alone.at(-1)}\n`);
  }

  const hostsYaml = `hosts:
  self:
    ssh: { host: 127.0.0.1, port: 22, user: ${login.user}, identity_file: ${login.identityFile}, known_hosts: ${login.knownHosts}, connect_timeout: 60s }
`;
  let jobs = 0;
  const send = async (data: 'logs' | 'random', compression: string): Promise<Run> => {
    const job = `w${++jobs}`;
    await sh(`zfs create wdst/${job} && zpool sync && sync && echo 3 > /proc/sys/vm/drop_caches`);
    const cfg = writeConfig(`${job}.yml`, `${hostsYaml}jobs:
  - name: ${job}
    source: { host: local, filesystems: { "wsrc/${data}": true } }
    target: { host: self, root_fs: wdst/${job} }
    send: { compression: "${compression}", bandwidth_limit: { max: ${LIMIT} } }
`);
    try {
      const r = check(`zform ${data} ${compression}`, await timed(['node', ZFORM, 'apply', '--auto-approve', '--json', '-c', cfg], zformEnv(process.env)));
      const done = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((e) => e.type === 'apply_complete' && (e.action as { kind?: string } | undefined)?.kind === 'send');
      if (!done) throw new Error(`zform ${data} ${compression}: no send completed\n${r.stdout}`);
      const run: Run = {
        data, compression, seconds: Number(done.elapsed_seconds), bytes: Number(done.bytes), wireBytes: Number(done.wire_bytes ?? done.bytes),
      };
      process.stderr.write(`[bench] ${data} ${compression}: ${fmt(run.seconds)} s, ${run.bytes} bytes, ${run.wireBytes} on the wire\n`);
      return run;
    } finally {
      // zform's last-received hold stays on the target's snapshot: release it, then destroy
      await sh(`zfs list -H -o name -t snapshot -r wdst/${job} | xargs -r zfs holds -H | while IFS=$(printf '\\t') read -r n t _; do zfs release "$t" "$n"; done; zfs destroy -r wdst/${job}`);
    }
  };

  const runs: Run[] = [];
  for (const data of ['logs', 'random'] as const) {
    for (const c of ['none', ...COMPRESSIONS, ...[...COMPRESSIONS].reverse(), 'none']) runs.push(await send(data, c));
  }
  await sh('zpool destroy wsrc && zpool destroy wdst && rm -f /mnt/disk/wsrc.img /mnt/disk/wdst.img');

  const mean = (data: string, c: string) => {
    const xs = runs.filter((r) => r.data === data && r.compression === c).map((r) => r.seconds);
    return xs.reduce((a, b) => a + b, 0) / xs.length;
  };
  process.stdout.write([
    `${await describeGuest()}; link: zform's bandwidth limit of ${LIMIT}/s (bytes on the wire), SSH to the guest's own sshd.`,
    '',
    renderTable(['data', 'compression', 'seconds', 'stream MiB', 'wire MiB', 'stream MiB/s'], runs.map((r) => [
      r.data, r.compression, fmt(r.seconds), fmt(r.bytes / MiB), fmt(r.wireBytes / MiB), fmt(r.bytes / MiB / r.seconds),
    ])),
    '',
    ...alone,
    ...COMPRESSIONS.flatMap((c) => [
      `Logs: none ${fmt(mean('logs', 'none'))} s, ${c} ${fmt(mean('logs', c))} s: ${fmt(mean('logs', 'none') / mean('logs', c), 2)}× faster (target ≥ 2).`,
      `Random: none ${fmt(mean('random', 'none'))} s, ${c} ${fmt(mean('random', c))} s: ${slower(mean('random', c) / mean('random', 'none'))} (target: slower by a few per cent at most).`,
    ]),
    '',
  ].join('\n'));
}

await main();
