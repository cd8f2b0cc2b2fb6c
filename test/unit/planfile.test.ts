// A saved plan longer than a string can be (a first prune at scale: 589 MB at 10,000 datasets × 100 snapshots) is
// read back: `zform plan --out` never writes a plan that `zform apply FILE` refuses as too large.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:buffer';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPlanFile, writePlanFile } from '../../src/planfile.js';
import { SCENARIOS } from './plan/scenarios.js';

const made: string[] = [];
after(async () => { for (const dir of made) await rm(dir, { recursive: true, force: true }); });

test('a plan file longer than the longest string (here by blank space after a member) is read as the same plan', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'zform-planfile-'));
  made.push(dir);
  const plan = SCENARIOS.prune!();
  const small = join(dir, 'small.plan');
  await writePlanFile(small, plan);
  const text = await readFile(small, 'utf8');
  const cut = text.indexOf('\n', text.indexOf('"formatVersion"')) + 1;
  const large = join(dir, 'large.plan');
  const fh = await open(large, 'w', 0o600);
  try {
    await fh.write(text.slice(0, cut));
    const blank = Buffer.alloc(16 * 1024 * 1024, 0x20);
    let written = 0;
    while (written <= constants.MAX_STRING_LENGTH) { await fh.write(blank); written += blank.length; }
    await fh.write(text.slice(cut));
  } finally {
    await fh.close();
  }
  assert.deepEqual(await readPlanFile(large), JSON.parse(text));
});
