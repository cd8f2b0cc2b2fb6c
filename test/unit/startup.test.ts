// Start-up: a command loads only the modules it uses (yargs not for a version query, ssh2, execa and ajv not for
// validate), and the version query answered before yargs prints what the version command prints.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { computeVersionOnly, renderVersion } from '../../src/commands/version.js';
import { run } from '../../src/cli.js';
import type { Io } from '../../src/io.js';

const ROOT = new URL('../../../', import.meta.url);
const CLI = new URL('dist/src/cli.js', ROOT).href;
/** A temporary folder, removed when the file's tests are done. */
const temps: string[] = [];
const tempDir = (prefix: string): string => { const d = mkdtempSync(join(tmpdir(), prefix)); temps.push(d); return d; };
after(() => { for (const d of temps) rmSync(d, { recursive: true, force: true }); });
const dir = tempDir('zform-startup-');
// records every module file loaded, ESM (a load hook) and CommonJS (require's cache), on stderr at exit
const HOOK = join(dir, 'hook.mjs');
writeFileSync(HOOK, `export async function load(url, context, next) { if (url.startsWith('file:')) process.stderr.write('LOADED ' + url + '\\n'); return next(url, context); }\n`);
const REGISTER = join(dir, 'register.mjs');
writeFileSync(REGISTER, `import { register, createRequire } from 'node:module';\nregister(${JSON.stringify('file://' + HOOK)});\nconst cache = createRequire(import.meta.url).cache;\nprocess.on('exit', () => { for (const k of Object.keys(cache)) process.stderr.write('LOADED ' + k + '\\n'); });\n`);

/** The module files a run of the CLI with argv loads. */
function filesLoaded(argv: string[]): string[] {
  const script = `const { run } = await import(${JSON.stringify(CLI)}); process.exitCode = await run(${JSON.stringify(argv)});`;
  const r = spawnSync(process.execPath, ['--import', REGISTER, '--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, ZFORM_TRACE: '' } });
  assert.equal(r.status, 0, r.stderr);
  const stderr = r.stderr;
  return [...stderr.matchAll(/^LOADED (.*)$/gm)].map((m) => m[1]!);
}

/** The packages (node_modules/NAME) a run of the CLI with argv loads. */
function packagesLoaded(argv: string[]): Set<string> {
  return new Set(filesLoaded(argv).flatMap((f) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f)?.[1] ?? []));
}

function memIo(env: Record<string, string> = {}): Io & { out: () => string } {
  let out = '';
  const sink = { write: (s: string) => { out += s; return true; } };
  return { stdout: sink, stderr: { write: () => true }, stdin: process.stdin, env, now: () => new Date(0), out: () => out } as unknown as Io & { out: () => string };
}

test('a version query loads no package at all (not yargs)', () => {
  assert.deepEqual([...packagesLoaded(['version'])], []);
  assert.deepEqual([...packagesLoaded(['--version'])], []);
});

test('validate loads yaml and yargs, not ssh2, execa, ora, chalk, nor the ajv compiler (the validator is generated at build)', () => {
  const files = filesLoaded(['validate', '-c', fileURLToPath(new URL('examples/complete.yml', ROOT))]);
  const loaded = packagesLoaded(['validate', '-c', fileURLToPath(new URL('examples/complete.yml', ROOT))]);
  assert.ok(loaded.has('yaml') && loaded.has('yargs'), [...loaded].join(' '));
  for (const p of ['ssh2', 'execa', 'ora', 'chalk']) assert.ok(!loaded.has(p), `${p} loaded: ${[...loaded].join(' ')}`);
  assert.ok(files.some((f) => f.endsWith('dist/src/config/config-validator.cjs')), 'the generated validator');
  // only ajv's small runtime helpers that the generated code requires
  assert.deepEqual(files.filter((f) => f.includes('node_modules/ajv/') && !f.includes('node_modules/ajv/dist/runtime/')), []);
});

test('computeVersionOnly answers exactly the version queries', () => {
  assert.equal(computeVersionOnly(['version']), renderVersion(false));
  assert.equal(computeVersionOnly(['version', '--json']), renderVersion(true));
  assert.match(computeVersionOnly(['--version'])!, /^\d+\.\d+\.\d+/);
  for (const argv of [[], ['plan'], ['version', '--jsn'], ['version', '--json', '-v'], ['--version', 'x'], ['version', '--help'], ['-v', 'version']]) {
    assert.equal(computeVersionOnly(argv), null, argv.join(' '));
  }
});

test('the version query before yargs prints what the version command prints through yargs', async () => {
  for (const argv of [['version'], ['version', '--json'], ['--version']]) {
    const fast = memIo();
    assert.equal(await run(argv, fast), 0);
    // a trace asked for goes through yargs and the command (and writes the trace)
    const full = memIo({ ZFORM_TRACE: join(dir, 'trace.json') });
    assert.equal(await run(argv, full), 0);
    assert.equal(fast.out(), full.out(), argv.join(' '));
  }
});

test('bin/zform answers a version query as the CLI does, and passes every other argv on', () => {
  const bin = fileURLToPath(new URL('bin/zform', ROOT));
  const env = { ...process.env, ZFORM_TRACE: '' };
  for (const argv of [['version'], ['version', '--json'], ['--version']]) {
    const r = spawnSync(process.execPath, [bin, ...argv], { encoding: 'utf8', env });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, computeVersionOnly(argv), argv.join(' '));
  }
  const bad = spawnSync(process.execPath, [bin, 'version', '--jsn'], { encoding: 'utf8', env });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /jsn/);
});

test('bin/zform reads nothing in the folders above the working directory: a FIFO named package.json there does not block it', () => {
  // yargs looks for a package.json to guess a version: in the bundle it once searched from the working directory up
  const bin = fileURLToPath(new URL('bin/zform', ROOT));
  const cwd = join(tempDir('zform-cwd-'), 'below');
  mkdirSync(cwd);
  const fifo = spawnSync('mkfifo', [join(cwd, '..', 'package.json')]);
  assert.equal(fifo.status, 0, String(fifo.stderr));
  const config = fileURLToPath(new URL('examples/local-to-local.yml', ROOT));
  const r = spawnSync(process.execPath, [bin, 'validate', '-c', config], { encoding: 'utf8', cwd, timeout: 30_000, env: { ...process.env, ZFORM_TRACE: '' } });
  assert.equal(r.signal, null, 'blocked on the FIFO');
  assert.equal(r.status, 0, r.stderr);
});

test('bin/zform runs dist/src when the bundle is one an older build made (a checkout updated, not rebuilt)', () => {
  const pkg = tempDir('zform-stale-');
  mkdirSync(join(pkg, 'bin'));
  for (const f of ['zform', 'load-bundle.cjs', 'package.json']) copyFileSync(fileURLToPath(new URL(`bin/${f}`, ROOT)), join(pkg, 'bin', f));
  mkdirSync(join(pkg, 'dist', 'bundle'), { recursive: true });
  symlinkSync(fileURLToPath(new URL('dist/src', ROOT)), join(pkg, 'dist', 'src'));
  const stale = join(pkg, 'dist', 'bundle', 'zform.cjs');
  writeFileSync(stale, 'exports.run = async () => { process.stdout.write("stale bundle ran\\n"); return 0; };\n');
  utimesSync(stale, new Date(), new Date(Date.now() + 60_000)); // newer than dist/src/cli.js
  const config = fileURLToPath(new URL('examples/local-to-local.yml', ROOT));
  const r = spawnSync(process.execPath, [join(pkg, 'bin', 'zform'), 'validate', '-c', config], { encoding: 'utf8', env: { ...process.env, ZFORM_TRACE: '' } });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'Configuration is valid: 1 job.\n');
  assert.equal(r.stderr, '');
});
