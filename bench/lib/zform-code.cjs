// Says which code a build's bin/zform runs, for a benchmark's header: the bundle with its code cache, the bundle
// compiled at every run, or dist/src (~300 modules). bin/zform falls back to dist/src without a word when the bundle
// is older than dist/src/cli.js (a `npx tsc -p .` after the last `npm run build`): measured that way, a one-dataset
// plan took 0.94 s of CPU against 0.41 s from the bundle (session 31), so a figure has to say which it is.
// Usage: node bench/lib/zform-code.cjs PATH/bin/zform   (prints one line; exit 0)
'use strict';
const { readFileSync } = require('node:fs');
const { dirname, join, resolve } = require('node:path');
const vm = require('node:vm');

const bin = process.argv[2];
if (!bin) {
  console.error('usage: zform-code.cjs PATH/bin/zform');
  process.exit(64);
}
const root = resolve(dirname(bin), '..');
const bundle = join(root, 'dist/bundle/zform.cjs');

/** bin/zform's own choice (isBundleCurrent), and then what V8 does with the code cache. */
function describe() {
  const { computeCacheHeader, isBundleCurrent, readTrustedCache, wrapBundle } = require(join(root, 'bin/load-bundle.cjs'));
  if (!isBundleCurrent(root)) {
    return 'dist/src, not the bundle: dist/bundle/zform.cjs is missing or older than dist/src/cli.js (npm run build makes it again)';
  }
  const bytes = readFileSync(bundle);
  const source = bytes.toString('latin1');
  const [head, tail] = wrapBundle('\0').split('\0');
  if (!source.startsWith(head) || !source.endsWith(tail)) return 'dist/src, not the bundle: dist/bundle/zform.cjs was made by an older build';
  const cachedData = readTrustedCache(bundle, `${bundle}.cache`, computeCacheHeader(bundle, bytes)); // read once
  if (cachedData === undefined) return 'the bundle, without its code cache (none, not root\'s alone, or made from another bundle)';
  const script = new vm.Script(source, { filename: bundle, cachedData });
  return script.cachedDataRejected ? 'the bundle, its code cache rejected by V8 (another node or flags)' : 'the bundle with its code cache';
}

console.log(describe());
