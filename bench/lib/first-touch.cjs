// What a page of fresh memory costs this machine: 256 MiB allocated and written a byte per 4 KiB page, then written
// again, CPU and minor page faults of each pass from getrusage. Prints one line for a benchmark's header. On a
// virtual machine whose host backs a guest page only when it is first touched, the first pass costs far more than the
// second; every MiB a process's peak memory grows then costs that much CPU.
'use strict';
const MIB = 1 << 20;
const size = 256;
const usage = () => {
  const r = process.resourceUsage();
  return { cpu: (r.userCPUTime + r.systemCPUTime) / 1000, faults: r.minorPageFault };
};
const touch = (views) => {
  const before = usage();
  for (const v of views) for (let i = 0; i < v.length; i += 4096) v[i] = 1;
  const after = usage();
  return { ms: after.cpu - before.cpu, faults: after.faults - before.faults };
};
const views = [];
for (let i = 0; i < size; i++) views.push(new Uint8Array(new ArrayBuffer(MIB)));
const first = touch(views);
const again = touch(views);
const perFault = first.faults > 0 ? (first.ms * 1000) / first.faults : 0;
process.stdout.write(
  `fresh memory ${(first.ms / size).toFixed(2)} ms of CPU per MiB first touched (${first.faults} page faults, ` +
  `${perFault.toFixed(1)} µs each), ${(again.ms / size).toFixed(3)} ms per MiB touched again`,
);
