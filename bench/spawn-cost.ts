// The cost of starting a command from a large process, side by side (bench/12-spawn-cost.sh): the process is
// filled to BENCH_SPAWN_MIB, then rounds of: start `true` with node's spawn (as the local executor does: a fork of
// this process) and wait for it, then write one byte to every page of the filler, as a plan's planning and collector
// do after its listing; against the same pass with no command before it. Each pass is timed (process CPU, page
// faults). Where page faults are dear (a virtual machine), a command started late in a large plan costs far more
// than its own start.
import { spawn } from 'node:child_process';

const mib = Number(process.env.BENCH_SPAWN_MIB ?? 200);
const rounds = Number(process.env.BENCH_SPAWN_ROUNDS ?? 7);
// the filler: 4 KiB buffers (outside the V8 heap), a page each, written once so that they are resident
const pages: Uint8Array[] = [];
for (let i = 0; i < (mib * 1024 * 1024) / 4096; i++) pages.push(new Uint8Array(4096).fill(1));

function writePass(): { cpuMs: number; faults: number } {
  const c0 = process.cpuUsage();
  const f0 = process.resourceUsage().minorPageFault;
  for (const p of pages) p[0]!++;
  const c = process.cpuUsage(c0);
  return { cpuMs: (c.user + c.system) / 1000, faults: process.resourceUsage().minorPageFault - f0 };
}

async function startDirect(): Promise<number> {
  const c0 = process.cpuUsage();
  const child = spawn('true', [], { stdio: ['ignore', 'pipe', 'pipe'] });
  const c = process.cpuUsage(c0);
  child.stdout.resume(); child.stderr.resume();
  await new Promise((resolve) => child.once('close', resolve));
  return (c.user + c.system) / 1000;
}

const ways: [string, (() => Promise<number>) | null][] = [['no command', null], ['node\'s spawn (a fork of this process)', startDirect]];
const results = new Map<string, { start: number[]; cpu: number[]; faults: number[] }>(ways.map(([w]) => [w, { start: [], cpu: [], faults: [] }]));
for (let r = 0; r < rounds; r++) {
  for (const [name, start] of ways) {
    writePass(); // every page writable again, whatever came before
    const s = start ? await start() : 0;
    const w = writePass();
    const e = results.get(name)!;
    e.start.push(s); e.cpu.push(w.cpuMs); e.faults.push(w.faults);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = median(results.get('no command')!.cpu);
console.log(`filler ${mib} MiB (${pages.length} pages), median of ${rounds} rounds, node ${process.version}`);
console.log('');
console.log('| how the command starts | start, CPU ms | write pass after it, CPU ms | page faults in the pass | what the command cost this process, CPU ms |');
console.log('|---|---:|---:|---:|---:|');
for (const [name] of ways) {
  const e = results.get(name)!;
  console.log(`| ${name} | ${median(e.start).toFixed(1)} | ${median(e.cpu).toFixed(1)} | ${median(e.faults)} | ${(median(e.start) + median(e.cpu) - base).toFixed(1)} |`);
}
