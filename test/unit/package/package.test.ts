// What `npm pack` ships: source maps only with the sources they point at, every relative import of the shipped
// code inside the package, the man pages package.json names, and no examples/demo (it needs the checkout's
// QEMU harness and cannot run from an installed package).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { dirname, join, normalize } from 'node:path';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const exec = promisify(execFile);

async function packedFiles(): Promise<string[]> {
  // --ignore-scripts: no build (the test runs on the built tree); --dry-run: nothing written
  const { stdout } = await exec('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  const [pack] = JSON.parse(stdout) as { files: { path: string }[] }[];
  return pack!.files.map((f) => f.path);
}

test('npm pack: every source map ships with the sources it names, and every shipped .js names a shipped map', async () => {
  const files = await packedFiles();
  const shipped = new Set(files);
  const maps = files.filter((f) => f.endsWith('.map'));
  assert.ok(maps.length > 0 || !files.some((f) => f.endsWith('.js') && f.startsWith('dist/')), 'maps checked');
  for (const m of maps) {
    const map = JSON.parse(await readFile(join(ROOT, m), 'utf8')) as { sources: string[]; sourceRoot?: string };
    for (const s of map.sources) {
      const path = normalize(join(dirname(m), map.sourceRoot ?? '', s));
      assert.ok(shipped.has(path), `${m} points at ${path}, which the package does not ship`);
    }
  }
  for (const js of files.filter((f) => f.startsWith('dist/') && f.endsWith('.js'))) {
    const text = await readFile(join(ROOT, js), 'utf8');
    const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(text)?.[1];
    if (url) assert.ok(shipped.has(normalize(join(dirname(js), url))), `${js} names ${url}, which the package does not ship`);
  }
});

test('npm pack: the shipped code imports only shipped files; the bin and the man pages of package.json ship', async () => {
  const files = await packedFiles();
  const shipped = new Set(files);
  // the bundle is left out: esbuild resolved its imports at build time (its text keeps packages' JSDoc `import('./x')`)
  for (const js of files.filter((f) => (/\.(js|cjs|mjs)$/.test(f) && !f.startsWith('dist/bundle/')) || f === 'bin/zform')) {
    const text = await readFile(join(ROOT, js), 'utf8');
    for (const m of text.matchAll(/(?:\bfrom |\b(?:require|import)\()'(\.{1,2}\/[^']+)'/g)) {
      const target = normalize(join(dirname(js), m[1]!));
      assert.ok(shipped.has(target), `${js} imports ${m[1]}, which the package does not ship`);
    }
  }
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string>; man: string[] };
  for (const f of [...Object.values(pkg.bin), ...pkg.man]) assert.ok(shipped.has(normalize(f)), f);
});

test('npm pack: no examples/demo (it runs only in the checkout, with the QEMU harness); the config examples ship', async () => {
  const files = await packedFiles();
  assert.deepEqual(files.filter((f) => f.startsWith('examples/demo/')), []);
  assert.ok(files.includes('examples/local-to-local.yml'));
  assert.ok(files.includes('contrib/zform.service'));
});

test('README: needs and quick start come first, developer commands in their own section; every package path it and the man page name ships', async () => {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const man = await readFile(join(ROOT, 'man/zform.1'), 'utf8');
  const heads = [...readme.matchAll(/^## (.+)$/gm)].map((m) => m[1]!);
  assert.deepEqual(heads.slice(0, 2), ['What zform needs', 'Quick start']);
  const dev = readme.indexOf('\n## Development\n');
  assert.ok(dev > 0);
  for (const cmd of ['npm run demo', 'npm test', 'npm ci']) {
    assert.ok(readme.indexOf(cmd) > dev, `"${cmd}" only in the Development section`);
  }
  const needs = readme.slice(readme.indexOf('## What zform needs'), readme.indexOf('## Quick start'));
  for (const need of [/Node\.js 20\.19/, /Debian 12/, /zfs allow/, /sudo -n/, /known_hosts/, /identity_file/]) assert.match(needs, need);
  assert.doesNotMatch(readme, /man \.\/man\//, 'man pages by name, as installed');
  const files = new Set(await packedFiles());
  const named = [...`${readme}\n${man.replace(/\\-/g, '-')}`.matchAll(/\$\(npm root -g\)"?\/zform\/([\w./{},-]+)/g)].map((m) => m[1]!);
  assert.ok(named.length >= 3);
  for (const n of named) {
    const brace = /^(.*)\{([^}]+)\}(.*)$/.exec(n);
    const paths = brace ? brace[2]!.split(',').map((x) => brace[1]! + x + brace[3]!) : [n];
    for (const p of paths) {
      const clean = p.replace(/\/$/, '');
      assert.ok(files.has(clean) || [...files].some((f) => f.startsWith(clean + '/')), `${p} is in the package`);
    }
  }
});
