// The layers' arrows run one way: each rule names a folder of src/ and the folders it must not import from.
// Read from the TypeScript sources (import and export-from statements, type-only ones included).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const SRC = join(ROOT, 'src');

const RULES: { from: string; never: string[]; why: string }[] = [
  { from: 'zfs', never: ['config', 'plan', 'apply', 'status', 'views', 'commands', 'metrics', 'holds'], why: 'zfs owns its option types; the config maps to them' },
  { from: 'config', never: ['plan', 'apply', 'status', 'views', 'commands', 'metrics', 'holds', 'obs'], why: 'the config is read before anything else runs' },
  { from: 'plan', never: ['apply', 'status', 'views', 'commands', 'metrics', 'holds', 'obs'], why: 'the plan is pure data and pure functions' },
  { from: 'apply', never: ['views', 'commands', 'status', 'metrics'], why: 'apply reports through hooks; views render them' },
  { from: 'status', never: ['views', 'commands', 'metrics', 'apply'], why: 'status is computed; views render it' },
  { from: 'obs', never: ['views', 'commands'], why: 'obs renders nothing' },
  { from: 'metrics', never: ['views', 'commands', 'status/read.ts', 'plan/read.ts', 'hosts.ts'], why: 'metrics computes and writes; the command reads' },
  { from: 'views', never: ['commands', 'apply/execute.ts', 'plan/read.ts', 'status/read.ts', 'hosts.ts', 'zfs/host.ts', 'zfs/run.ts', 'zfs/local.ts', 'zfs/ssh.ts', 'zfs/transfer.ts'], why: 'views render values; they run nothing' },
];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/** src-relative paths (`config/types.ts`) of the modules `file` imports from src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+'(\.[^']+)'/gms)) {
    const target = resolve(dirname(file), m[1]!).replace(/\.js$/, '.ts');
    const rel = relative(SRC, target);
    if (!rel.startsWith('..')) out.push(rel);
  }
  for (const m of text.matchAll(/\bimport\(\s*'(\.[^']+)'\s*\)/g)) {
    const rel = relative(SRC, resolve(dirname(file), m[1]!).replace(/\.js$/, '.ts'));
    if (!rel.startsWith('..')) out.push(rel);
  }
  return out;
}

function within(rel: string, area: string): boolean {
  return area.endsWith('.ts') ? rel === area : rel.startsWith(area + '/');
}

test('the import scan sees imports (it finds config/types.ts imported by plan/job.ts)', () => {
  assert.ok(importsOf(join(SRC, 'plan', 'job.ts')).includes('config/types.ts'));
});

for (const rule of RULES) {
  test(`src/${rule.from} imports nothing from ${rule.never.join(', ')} (${rule.why})`, () => {
    const wrong: string[] = [];
    for (const file of sources(join(SRC, rule.from))) {
      for (const rel of importsOf(file)) {
        if (rule.never.some((area) => within(rel, area))) wrong.push(`${relative(SRC, file)} -> ${rel}`);
      }
    }
    assert.deepEqual(wrong, []);
  });
}
