// bench/lib/zform-code.cjs: a benchmark's header says which code bin/zform ran (bin/zform falls back to dist/src
// without a word, and the two differ by about 2x in a short run's CPU).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../../../', import.meta.url));
const script = join(repo, 'bench/lib/zform-code.cjs');

/** A build's tree: bin/ with the real bundle loader, dist/src/cli.js and dist/bundle/zform.cjs at the given times. */
function tree(bundleText: string, bundleTime: number, cliTime: number): string {
  const root = mkdtempSync(join(tmpdir(), 'zform-code-'));
  mkdirSync(join(root, 'bin'));
  mkdirSync(join(root, 'dist/src'), { recursive: true });
  mkdirSync(join(root, 'dist/bundle'), { recursive: true });
  copyFileSync(join(repo, 'bin/load-bundle.cjs'), join(root, 'bin/load-bundle.cjs'));
  writeFileSync(join(root, 'bin/zform'), '');
  writeFileSync(join(root, 'dist/src/cli.js'), '');
  writeFileSync(join(root, 'dist/bundle/zform.cjs'), bundleText);
  utimesSync(join(root, 'dist/src/cli.js'), cliTime, cliTime);
  utimesSync(join(root, 'dist/bundle/zform.cjs'), bundleTime, bundleTime);
  return root;
}

function codeRun(root: string): string {
  return execFileSync(process.execPath, [script, join(root, 'bin/zform')], { encoding: 'utf8' }).trim();
}

const WRAPPED = '(function (exports, require, module, __filename, __dirname) {module.exports = 1;\n})';

test('a bundle older than dist/src/cli.js is named as not run: dist/src is', () => {
  const root = tree(WRAPPED, 1_000_000, 2_000_000);
  try {
    assert.match(codeRun(root), /^dist\/src, not the bundle: .*older than dist\/src\/cli\.js/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a bundle not wrapped by this build is named as not run, as bin/zform passes it over', () => {
  const root = tree('module.exports = 1;\n', 2_000_000, 1_000_000);
  try {
    assert.match(codeRun(root), /^dist\/src, not the bundle: .*made by an older build/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the bundle without a code cache, and with a cache of another bundle, is named as compiled at every run', () => {
  const root = tree(WRAPPED, 2_000_000, 1_000_000);
  try {
    assert.match(codeRun(root), /^the bundle, without its code cache/);
    writeFileSync(join(root, 'dist/bundle/zform.cjs.cache'), `zform-code-cache 2 ${'0'.repeat(64)}\nxx`);
    assert.match(codeRun(root), /^the bundle, without its code cache/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
