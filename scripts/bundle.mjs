// Bundles the built CLI (dist/src/cli.js and what it imports, node_modules included) into one CommonJS script,
// dist/bundle/zform.cjs, with esbuild, so that a run reads one file instead of ~300 modules; then makes V8's code
// cache for it (scripts/code-cache.mjs). Run by `npm run build` after tsc; bin/zform uses the bundle only when it is
// newer than dist/src/cli.js (a later `npx tsc` alone makes it fall back to dist/src).
// One script, not ES modules: Node 20 takes a code cache only for a script (vm.Script). What a command loads with
// import() stays lazy: esbuild wraps each such module in an initialiser run on first use, and V8 compiles a function
// only when it first runs. ssh2 is bundled on its own (below), loaded on the first SSH connection.
import { build } from 'esbuild';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { wrapBundle } from '../bin/load-bundle.cjs';

// Packages a short run need not load: every ES import of one gets a stand-in whose functions load the real module
// on their first call (the same functions, the same results; in the bundle, `require` of it runs esbuild's
// initialiser). A CommonJS require of one gets the real module (it may use any of its properties).
// - string-width (both versions: yargs' and cliui's) makes an Intl.Segmenter and Unicode-set regular expressions
//   when it is loaded, ~25 ms of a short run, although only drawing help measures text.
// - execa (with human-signals, figures, yoctocolors, ...) starts only streams and pipelines (send, receive, hooks):
//   the commands a plan runs (list, get, holds) take node's spawn (src/zfs/local.ts), so a plan need not load it,
//   nor carry its code in the code cache (~5 ms of a one-dataset plan).
// - assert, which yargs imports for two checks of its own that pass in every run: each check calls node's assert
//   (~3 ms to load) only when it fails (Object.is, as node's), and that throws node's own error.
// - re2js, the regex engine (~5 ms to load and compile a first pattern): config regexes that are literals are
//   matched without it (src/config/regex.ts), so it loads on the first other pattern; zform uses RE2JS.compile alone.
// Each entry: the package and the named exports zform imports of it ('default' included), or the stand-in's text;
// importing anything else of it is a build error, so that a stand-in never hides an export.
const LAZY = 'zform-lazy';
const LAZY_EXPORTS = {
  'string-width': ['default'],
  execa: ['execa'],
  assert: `let real;
const load = () => (real ??= require('node:assert'));
export function strictEqual(...a) { if (a.length < 2 || !Object.is(a[0], a[1])) load().strictEqual(...a); }
export function notStrictEqual(...a) { if (a.length < 2 || Object.is(a[0], a[1])) load().notStrictEqual(...a); }
`,
  re2js: `let real;
const load = () => (real ??= require('re2js'));
export const RE2JS = { compile: (...a) => load().RE2JS.compile(...a) };
`,
};
const lazyPackages = {
  name: 'lazy-packages',
  setup(b) {
    const filter = new RegExp(`^(${Object.keys(LAZY_EXPORTS).join('|')})$`);
    b.onResolve({ filter }, async (args) => {
      if (args.pluginData === LAZY) return undefined; // the stand-in's own import: the real module
      // a CommonJS require may use any property of the module: the real module
      if (args.kind === 'require-call') return undefined;
      const real = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: LAZY });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: real.path, namespace: LAZY, pluginData: args.path };
    });
    b.onLoad({ filter: /.*/, namespace: LAZY }, (args) => {
      const entry = LAZY_EXPORTS[args.pluginData];
      const contents = typeof entry === 'string' ? entry : [
        'let real;',
        `const load = () => (real ??= require(${JSON.stringify(args.path)}));`,
        ...entry.map((name) => name === 'default'
          ? 'export default function lazyDefault(...a) { return load().default(...a); }'
          : `export function ${name}(...a) { return load().${name}(...a); }`),
        '',
      ].join('\n');
      // pluginData: its own require resolves to the real module
      return { contents, resolveDir: args.path.replace(/\/[^/]*$/, ''), loader: 'js', pluginData: LAZY };
    });
  },
};

// yargs guesses a version for every parser it makes (zform then sets its own): it looks for a package.json from the
// folder above its node_modules, which in the bundle is not there, so it searched from the working directory up,
// listing every folder on the way (one of thousands of entries is slow) and loading node's assert for the failed
// check. In the bundle that search starts where it does from dist/src: the package's root, two folders up.
const YARGS_MAIN = "const mainFilename = __dirname.substring(0, __dirname.lastIndexOf('node_modules'));";
const yargsPackageRoot = {
  name: 'yargs-package-root',
  setup(b) {
    b.onLoad({ filter: /[/]node_modules[/]yargs[/]lib[/]platform-shims[/]esm\.mjs$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (text.split(YARGS_MAIN).length !== 2) throw new Error(`${args.path}: expected one ${YARGS_MAIN}`);
      return { contents: text.replace(YARGS_MAIN, "const mainFilename = fileURLToPath(new URL('../../', import.meta.url));"), loader: 'js' };
    });
  },
};

// The config validator the build generated (dist/src/config/config-validator.cjs) goes into the bundle too, so that
// the code cache covers it (~10 ms of compiling otherwise): schema.js requires it by a path known only at run time;
// in the bundle that one call becomes a require esbuild resolves (the hash check of the schema text is unchanged).
const VALIDATOR_CALL = 'require(fileURLToPath(CONFIG_VALIDATOR_URL))';
const bundledValidator = {
  name: 'bundled-config-validator',
  setup(b) {
    b.onLoad({ filter: /[/]dist[/]src[/]config[/]schema\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (text.split(VALIDATOR_CALL).length !== 2) throw new Error(`${args.path}: expected one ${VALIDATOR_CALL}`);
      return { contents: text.replace(VALIDATOR_CALL, '__zformConfigValidator()'), loader: 'js' };
    });
  },
};

// ssh2 goes into a bundle of its own, dist/bundle/ssh2.cjs, which the main bundle requires on the first SSH
// connection (import('ssh2') becomes require('./ssh2.cjs')): required from node_modules, its ~60 modules (asn1,
// bcrypt-pbkdf, tweetnacl among them) took ~70 ms of CPU in every run with an SSH host (~1 s in the emulated test
// guest); as one file, ~30 ms less (bench/05-startup.sh; ~0.6 s in the guest). Not in the main bundle: its 0.7 MB there cost every run,
// local ones too, ~7 ms of reading and hashing; nor in the code cache: +23 ms for every run, 15 ms more saved on an
// SSH run. Its two optional native parts stay in the package and are required from there, as ssh2 itself requires
// them: its crypto binding (the .node file its install built, if any) and cpu-features (which decides the ciphers'
// order). __zformSsh2Require resolves an id from ssh2's package folder, found from the bundle's folder as the
// external require found the package before (test/unit/bundle-loader.test.ts: the same algorithms offered).
const SSH2_NATIVE = [
  { file: /[/]node_modules[/]ssh2[/]lib[/]protocol[/]crypto\.js$/, call: "require('./crypto/build/Release/sshcrypto.node')", id: './lib/protocol/crypto/build/Release/sshcrypto.node' },
  { file: /[/]node_modules[/]ssh2[/]lib[/]protocol[/]constants\.js$/, call: "require('cpu-features')", id: 'cpu-features' },
];
const ssh2Native = {
  name: 'ssh2-native',
  setup(b) {
    for (const { file, call, id } of SSH2_NATIVE) {
      b.onLoad({ filter: file }, async (args) => {
        const text = await readFile(args.path, 'utf8');
        if (text.split(call).length !== 2) throw new Error(`${args.path}: expected one ${call}`);
        return { contents: text.replace(call, `__zformSsh2Require(${JSON.stringify(id)})`), loader: 'js' };
      });
    }
  },
};

const ssh2Chunk = {
  name: 'ssh2-chunk',
  setup(b) {
    b.onResolve({ filter: /^ssh2$/ }, () => ({ path: './ssh2.cjs', external: true }));
  },
};

const outdir = new URL('../dist/bundle/', import.meta.url).pathname;
rmSync(outdir, { recursive: true, force: true });
await build({
  stdin: { contents: "module.exports = require('ssh2');\n", resolveDir: new URL('../', import.meta.url).pathname, loader: 'js' },
  outfile: `${outdir}ssh2.cjs`,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  banner: { js: "const __zformSsh2Require = (id) => require('node:module').createRequire(require.resolve('ssh2/package.json'))(id);" },
  plugins: [ssh2Native],
  logLevel: 'warning',
});
await build({
  entryPoints: [new URL('../dist/src/cli.js', import.meta.url).pathname],
  outfile: `${outdir}zform.cjs`,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // import() as esbuild's lazy initialisers (no ES module loader at run time)
  supported: { 'dynamic-import': false },
  define: { 'import.meta.url': '__zformBundleUrl' },
  banner: { js: "const __zformBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [lazyPackages, yargsPackageRoot, bundledValidator, ssh2Chunk],
  inject: [new URL('bundle-validator.mjs', import.meta.url).pathname],
  logLevel: 'warning',
});
// ASCII only, so that bin/load-bundle.cjs reads it as latin1 (a third of the time of decoding UTF-8): esbuild escapes
// strings but keeps a few characters of regular expression literals and comments; each becomes a \u escape, which
// means the same character in a string, a regular expression (a surrogate pair is one code point under /u) and an
// identifier, and is harmless in a comment (the bundle has no such character in a String.raw template).
const out = `${outdir}zform.cjs`;
const text = readFileSync(out, 'utf8').replace(/[^\x00-\x7f]/gu, (c) => c.split('').map((u) => `\\u${u.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''));
if (/[^\x00-\x7f]/.test(text)) throw new Error('the bundle is not ASCII');
writeFileSync(out, wrapBundle(text));
const r = spawnSync(process.execPath, [new URL('code-cache.mjs', import.meta.url).pathname], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
