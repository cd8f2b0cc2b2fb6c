// Makes dist/bundle/zform.cjs.cache, V8's code cache of the bundle after a representative run: `zform version` and
// `zform plan` of one dataset over the planning benchmark's stand-in `zfs` (bench/lib/zfs-standin), so that the cache
// holds the functions a short run compiles. Run by scripts/bundle.mjs; the cache is written only here, at build.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, mkdirSync, readFileSync, writeFileSync, renameSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeCacheHeader, loadBundle } from '../bin/load-bundle.cjs';

const root = new URL('../', import.meta.url).pathname;
const bundle = join(root, 'dist/bundle/zform.cjs');
const cache = `${bundle}.cache`;

if (process.argv[2] === '--run') {
  // the child: its output goes nowhere; the cache is written only when every command succeeded
  const { exports, script } = loadBundle(bundle, null);
  for (const argv of [['version'], ['plan', '-c', process.argv[3]]]) {
    const code = await exports.run(argv);
    if (code !== 0) throw new Error(`zform ${argv.join(' ')} exited ${code}`);
  }
  const tmp = `${cache}.tmp`;
  writeFileSync(tmp, Buffer.concat([Buffer.from(computeCacheHeader(bundle), 'latin1'), script.createCachedData()]));
  chmodSync(tmp, 0o644);
  renameSync(tmp, cache);
} else {
  const work = mkdtempSync(join(tmpdir(), 'zform-code-cache-'));
  try {
    mkdirSync(join(work, 'bin'));
    symlinkSync(join(root, 'bench/lib/zfs-standin'), join(work, 'bin/zfs'));
    const inv = join(work, 'inv');
    const made = spawnSync(process.execPath, [join(root, 'dist/bench/lib/make-inventory.js'), '--datasets', '2', '--snapshots', '10', '--out', inv], { stdio: 'ignore' });
    if (made.status !== 0) throw new Error('make-inventory failed');
    const yml = join(inv, 'zform.yml');
    writeFileSync(yml, readFileSync(yml, 'utf8').replace('"src<": true', '"src": true'));
    const env = { ...process.env, PATH: `${join(work, 'bin')}:${process.env.PATH}`, ZFORM_BENCH_DATA: inv };
    for (const k of ['ZFORM_TRACE', 'ZFORM_CONFIG', 'ZFORM_BENCH_LOG']) delete env[k];
    const r = spawnSync(process.execPath, [new URL(import.meta.url).pathname, '--run', yml], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`the representative run failed (${r.status ?? r.signal})`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
