// Benchmark 11 (no guest): planning when many source datasets disappear or move at once, on the fake hosts of the
// unit tests (test/support/fake-zfs: OpenZFS's rules at the executor). A job replicates `tank<` with N datasets under
// tank/h, S snapshots each; then tank/h is renamed to tank/h2 (N + 1 targets whose sources are gone, N + 1 new
// sources sharing their GUIDs), and the plan is computed again, without and with replication.follow_renames. With
// BENCH_GONE_BEFORE=ROOT (another checkout, built) both builds plan the same fake hosts in one process, taking turns,
// and the plans are compared byte for byte. Prints a Markdown table of the CPU of that plan (median of the runs).
// Sizes: BENCH_GONE_SIZES (default "500 1000 2000"), BENCH_GONE_SNAPSHOTS (20), BENCH_GONE_RUNS (3).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeHost } from '../test/support/fake-zfs/host.js';
import { parseConfig } from '../src/config/parse.js';
import { staticHosts } from '../src/hosts.js';
import { applyPlan } from '../src/apply/execute.js';
import type { Config } from '../src/config/types.js';
import type { Plan } from '../src/plan/types.js';

type Planner = (config: Config, hosts: ReturnType<typeof staticHosts>, now: Date) => Promise<Plan>;

async function planner(distRoot: string): Promise<Planner> {
  const { readInventories } = await import(path.join(distRoot, 'src/plan/read.js')) as typeof import('../src/plan/read.js');
  const { computePlan } = await import(path.join(distRoot, 'src/plan/compute.js')) as typeof import('../src/plan/compute.js');
  return async (config, hosts, now) => {
    const { inventories, resumeTokens } = await readInventories(config, ['j'], (n) => hosts.get(n));
    return computePlan({ config, jobs: ['j'], inventories, resumeTokens, now, zformVersion: 'bench', allowRollback: false });
  };
}

const cpu = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

async function main(): Promise<void> {
  const sizes = (process.env.BENCH_GONE_SIZES ?? '500 1000 2000').split(/\s+/).filter(Boolean).map(Number);
  const snapshots = Number(process.env.BENCH_GONE_SNAPSHOTS ?? 20);
  const runs = Number(process.env.BENCH_GONE_RUNS ?? 3);
  const here = path.dirname(path.dirname(fileURLToPath(import.meta.url))); // dist
  const builds: [string, Planner][] = [];
  if (process.env.BENCH_GONE_BEFORE) builds.push(['before', await planner(path.join(path.resolve(process.env.BENCH_GONE_BEFORE), 'dist'))]);
  builds.push(['after', await planner(here)]);
  console.log(`Planning after a tree of N datasets × ${snapshots} snapshots was renamed (CPU s, median of ${runs}; node ${process.version})\n`);
  console.log('| datasets | follow_renames | build | plan CPU s | datasets planned | plan identical to before |');
  console.log('|---:|---|---|---:|---:|---|');
  for (const n of sizes) {
    for (const follow of [false, true]) {
      let now = new Date('2026-11-21T12:00:00Z');
      const ds = ['tank/h', ...Array.from({ length: n }, (_, i) => `tank/h/u${String(i).padStart(6, '0')}`)];
      const src = new FakeHost('local', { clock: () => now }).apply('pool tank', ...ds.map((d) => `create ${d}`),
        ...Array.from({ length: snapshots }, (_, k) => `snapshot ${ds.map((d) => `${d}@s${k}`).join(' ')}`));
      const dst = new FakeHost('nas', { clock: () => now }).apply('pool backup');
      const config = parseConfig(`hosts:\n  nas:\n    ssh: { host: nas.example.org, known_hosts: /dev/null }\njobs:\n  - name: j\n    source: { host: local, filesystems: { "tank<": true } }\n    target: { host: nas, root_fs: backup }\n    replication:\n      initial: all\n      follow_renames: ${follow}\n`, 'zform.yml');
      const hosts = staticHosts({ local: src, nas: dst });
      const last = builds[builds.length - 1]![1];
      await applyPlan(await last(config, hosts, now), config, { hosts, hooks: () => undefined, clock: () => now });
      src.apply('rename tank/h tank/h2');
      now = new Date(now.getTime() + 3_600_000);
      const times = new Map<string, number[]>(builds.map(([b]) => [b, []]));
      const texts = new Map<string, string>();
      let planned = 0;
      for (let r = 0; r < runs; r++) {
        for (const [b, plan] of builds) {
          const t = cpu();
          const p = await plan(config, hosts, now);
          times.get(b)!.push(cpu() - t);
          texts.set(b, JSON.stringify(p));
          planned = p.jobs[0]!.datasets.length;
        }
      }
      for (const [b] of builds) {
        const same = builds.length === 1 ? '' : texts.get(b) === texts.get('before') ? 'yes' : '**no**';
        console.log(`| ${n} | ${follow} | ${b} | ${median(times.get(b)!).toFixed(2)} | ${planned} | ${same} |`);
      }
    }
  }
}

await main();
