// Bundles the built CLI (dist/src/cli.js and what it imports, node_modules included) into dist/bundle/ with esbuild,
// so that a run reads a few files instead of ~300 modules. Run by `npm run build` after tsc; bin/zform uses the bundle
// only when it is newer than dist/src/cli.js (a later `npx tsc` alone makes it fall back to dist/src).
// Code-split: what a command loads with import() stays in its own chunk, loaded only when used. ssh2 stays external
// (optional native parts; loaded only for SSH hosts).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

const outdir = new URL('../dist/bundle/', import.meta.url).pathname;
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [new URL('../dist/src/cli.js', import.meta.url).pathname],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['ssh2'],
  // CommonJS dependencies (yaml, ajv) call require() for Node's built-in modules
  banner: { js: "import { createRequire as __zformRequire } from 'node:module'; const require = __zformRequire(import.meta.url);" },
  logLevel: 'warning',
});
