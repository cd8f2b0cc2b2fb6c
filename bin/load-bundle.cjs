// Loads zform's bundle (dist/bundle/zform.cjs, one CommonJS script made by scripts/bundle.mjs) with V8's code cache
// made at build time (zform.cjs.cache), so that a run compiles next to nothing. The cache is machine code V8 runs
// as it is: it is read only from a file that only root can have written (the file and every directory above it
// owned by root and not writable by group or others, a sticky directory such as /tmp counting as not writable: no
// one else can rename or remove root's entries there), and only for the very bundle it was made from (the SHA-256 of
// its text in the header, ~1 ms: V8's own check compares only the source's length, and a file time would not survive
// `npm pack`, which gives every file of the tarball the same time); V8 itself rejects a cache of another V8 version
// or flags (then it compiles).
'use strict';
const { createHash } = require('node:crypto');
const { closeSync, fstatSync, openSync, readFileSync, realpathSync, statSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname, join } = require('node:path');
const vm = require('node:vm');

const HEADER = 'zform-code-cache 2';

/** Whether bin/zform runs the bundle of the package at `root`: dist/bundle/zform.cjs at least as new as
 *  dist/src/cli.js. A `npx tsc -p .` after the last `npm run build` makes dist/src newer, and then dist/src runs. */
function isBundleCurrent(root) {
  const mtime = (rel) => { try { return statSync(join(root, rel)).mtimeMs; } catch { return -1; } };
  return mtime('dist/bundle/zform.cjs') >= mtime('dist/src/cli.js');
}

/** The header line that ties a cache to one bundle's text (`bytes`: the file's, read by the caller or here). */
function computeCacheHeader(file, bytes = readFileSync(file)) {
  return `${HEADER} ${createHash('sha256').update(bytes).digest('hex')}\n`;
}

/** Whether root alone can have written this file or changed this directory's entries (sticky: only their owners). */
function isRootsAlone(st) {
  return st.uid === 0 && ((st.mode & 0o022) === 0 || (st.isDirectory() && (st.mode & 0o1000) !== 0));
}

/** The cache's data, or undefined when there is none, it is not root's alone, or it was made from another bundle. */
function readTrustedCache(file, cache, header = computeCacheHeader(file)) {
  let fd;
  try {
    const real = realpathSync(cache);
    for (let dir = dirname(real); ; dir = dirname(dir)) {
      if (!isRootsAlone(statSync(dir))) return undefined;
      if (dir === dirname(dir)) break;
    }
    fd = openSync(real, 'r');
    const st = fstatSync(fd);
    if (!st.isFile() || !isRootsAlone(st)) return undefined;
    const data = readFileSync(fd);
    if (data.length <= header.length || data.toString('latin1', 0, header.length) !== header) return undefined;
    return data.subarray(header.length);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

// The build writes the bundle's code inside the function CommonJS would wrap it in, so that V8 compiles the file's
// text as it is read (joining ~1.3 MB around it at every run cost ~4 ms).
const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname) {';
const WRAPPER_TAIL = '\n})';

/** The bundle's text for some CommonJS code (scripts/bundle.mjs). */
function wrapBundle(code) {
  return `${WRAPPER_HEAD}${code}${WRAPPER_TAIL}`;
}

/** Runs the bundle (with its cache unless `cache` is null) and returns its exports and the compiled script. */
function loadBundle(file, cache = `${file}.cache`) {
  const bytes = readFileSync(file);
  const source = bytes.toString('latin1'); // ASCII only (scripts/bundle.mjs makes sure)
  if (!source.startsWith(WRAPPER_HEAD) || !source.endsWith(WRAPPER_TAIL)) {
    throw Object.assign(new Error(`${file}: not a bundle scripts/bundle.mjs made (run npm run build)`), { code: 'ZFORM_NOT_A_BUNDLE' });
  }
  const cachedData = cache === null ? undefined : readTrustedCache(file, cache, computeCacheHeader(file, bytes));
  const script = new vm.Script(source, {
    filename: file, cachedData, importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  return { exports: module.exports, script };
}

module.exports = { computeCacheHeader, isBundleCurrent, readTrustedCache, wrapBundle, loadBundle };
