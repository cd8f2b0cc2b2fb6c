// Benchmark 3b (in the guest): where SSH throughput goes. The same bytes (ZFORM_BENCH_SSH_MIB, default 256 MiB of
// zeros) into `cat > /dev/null` at the guest's own sshd, per cipher, through the OpenSSH client and through ssh2
// (writing straight into the channel), and through zform's SshExecutor with its configured algorithms.
// Run: npx tsc -p . && test/vm/zfs-vm run 'node dist/bench/ssh-ciphers.js'
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { Client } from 'ssh2';
import { q, sshSetup } from '../test/real/lib.js';
import { requireGuest, timed, fmt, renderTable } from './lib.js';
import { SshExecutor } from '../src/zfs/ssh.js';
import { LocalExecutor } from '../src/zfs/local.js';
import { startZfs } from '../src/zfs/run.js';
import { runTransfer } from '../src/zfs/transfer.js';

requireGuest();
const MiB = 1024 * 1024;
const SIZE = Number(process.env.ZFORM_BENCH_SSH_MIB ?? 256) * MiB;
const CHUNK = Buffer.alloc(256 * 1024);
const CIPHERS = ['chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'aes128-ctr'];

async function writeAll(w: NodeJS.WritableStream): Promise<void> {
  for (let sent = 0; sent < SIZE; sent += CHUNK.length) {
    if (!w.write(CHUNK)) await once(w, 'drain');
  }
}

/** ssh2 with only `cipher` offered (undefined: ssh2's default order); resolves with seconds and the cipher used. */
async function viaSsh2(key: Buffer, cipher: string | undefined): Promise<{ s: number; cipher: string }> {
  const c = new Client();
  let used = '?';
  c.on('handshake', (neg: { cs: { cipher: string } }) => { used = neg.cs.cipher; });
  const ready = once(c, 'ready');
  c.connect({
    host: '127.0.0.1', port: 22, username: 'root', privateKey: key, hostVerifier: () => true,
    ...(cipher ? { algorithms: { cipher: [cipher as 'aes128-ctr'] } } : {}),
  });
  await ready;
  const t0 = performance.now();
  const ch = await new Promise<import('ssh2').ClientChannel>((resolve, reject) => c.exec('cat > /dev/null', (err, s) => (err ? reject(err) : resolve(s))));
  ch.resume();
  ch.stderr.resume();
  const closed = once(ch, 'close');
  await writeAll(ch);
  ch.end();
  await closed;
  const s = (performance.now() - t0) / 1000;
  c.end();
  return { s, cipher: used };
}

async function viaExecutor(ssh: Awaited<ReturnType<typeof sshSetup>>): Promise<number> {
  const ex = new SshExecutor('self', ssh);
  // the connection first (as in an apply, where listings opened it)
  await (await ex.spawn(['true']).exited);
  const t0 = performance.now();
  const p = ex.spawn(['sh', '-c', 'cat > /dev/null'], { stdin: 'pipe' });
  p.stdout.resume();
  await writeAll(p.stdin!);
  p.stdin!.end();
  const r = await p.exited;
  if (r.code !== 0) throw new Error(`executor: exit ${r.code} ${r.stderr}`);
  const s = (performance.now() - t0) / 1000;
  await ex.close();
  return s;
}

/** zform's whole SSH transfer machinery without zfs: a local `head -c` through runTransfer into `cat` over SSH. */
async function viaTransfer(ssh: Awaited<ReturnType<typeof sshSetup>>): Promise<number> {
  const ex = new SshExecutor('self', ssh);
  await (await ex.spawn(['true']).exited);
  const t0 = performance.now();
  const { bytes } = await runTransfer(
    startZfs(new LocalExecutor(), ['head', '-c', String(SIZE), '/dev/zero'], { stdin: 'ignore' }),
    startZfs(ex, ['sh', '-c', 'cat > /dev/null'], { stdin: 'pipe' }),
  );
  if (bytes !== SIZE) throw new Error(`transfer: ${bytes} bytes`);
  const s = (performance.now() - t0) / 1000;
  await ex.close();
  return s;
}

async function main(): Promise<void> {
  const ssh = await sshSetup();
  const key = readFileSync(ssh.identityFile);
  const rows: string[][] = [];
  const add = (what: string, cipher: string, s: number) => {
    rows.push([what, cipher, fmt(s), fmt(SIZE / MiB / s)]);
    process.stderr.write(`[bench] ${what} ${cipher}: ${fmt(s)} s\n`);
  };
  for (const cipher of CIPHERS) {
    const cmd = `head -c ${SIZE} /dev/zero | ssh -c ${cipher} -i ${q(ssh.identityFile)} -o UserKnownHostsFile=${q(ssh.knownHosts)} -o BatchMode=yes root@127.0.0.1 'cat > /dev/null'`;
    const r = await timed(['bash', '-c', cmd], process.env);
    if (r.code !== 0) throw new Error(`openssh ${cipher}: ${r.stderr}`);
    add('OpenSSH client', cipher, r.ms / 1000);
    const x = await viaSsh2(key, cipher);
    add('ssh2, into the channel', x.cipher, x.s);
  }
  const d = await viaSsh2(key, undefined);
  add('ssh2, its default order', d.cipher, d.s);
  add('zform SshExecutor (stdin pipe)', 'as configured', await viaExecutor(ssh));
  add('zform runTransfer: local head -c into SshExecutor', 'as configured', await viaTransfer(ssh));
  const raw = await timed(['bash', '-c', `head -c ${SIZE} /dev/zero | ssh -i ${q(ssh.identityFile)} -o UserKnownHostsFile=${q(ssh.knownHosts)} -o BatchMode=yes root@127.0.0.1 'cat > /dev/null'`], process.env);
  add('OpenSSH client, its default', 'default', raw.ms / 1000);
  process.stdout.write(`${fmt(SIZE / MiB, 0)} MiB of zeros into cat > /dev/null at the guest's sshd (connection set-up not counted for ssh2; counted for the OpenSSH client):\n\n`);
  process.stdout.write(renderTable(['client', 'cipher', 'seconds', 'MiB/s'], rows) + '\n');
}

await main();
