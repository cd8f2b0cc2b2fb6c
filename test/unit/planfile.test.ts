// A saved plan longer than a string can be (a first prune at scale: 589 MB at 10,000 datasets × 100 snapshots) is
// read back: `zform plan --out` never writes a plan that `zform apply FILE` refuses as too large.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:buffer';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPlanFile, writePlanFile } from '../../src/planfile.js';
import { UsageError } from '../../src/errors.js';
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

test('what a plan file says is never printed raw: its format version quoted, its text not echoed when it is no JSON', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'zform-planfile-'));
  made.push(dir);
  const file = join(dir, 'p.plan');
  const refused = async (text: string): Promise<string> => {
    await writeFile(file, text);
    const err = await readPlanFile(file).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof UsageError, String(err));
    assert.doesNotMatch(err.message, /\n|\u001b/);
    return err.message;
  };
  assert.equal(await refused('{"formatVersion":"2\\nforged line\\u001b[31mRED"}'), `${file} has plan format "2\\nforged line\\u001b[31mRED"; this zform reads format 2: plan again`);
  assert.equal(await refused('{"formatVersion":"2"}'), `${file} has plan format "2"; this zform reads format 2: plan again`);
  assert.equal(await refused('{"formatVersion":[2]}'), `${file} has plan format (a list); this zform reads format 2: plan again`);
  assert.equal(await refused('{"formatVersion":{"toString":1}}'), `${file} has plan format (an object); this zform reads format 2: plan again`);
  assert.equal(await refused('root:$y$j9T$secret:19000:0:99999:7:::\n'), `${file} is not a zform plan file: not valid JSON`);
  assert.equal(await refused('{"formatVersion": 2,'), `${file} is not a zform plan file: not valid JSON at byte 20`);
});
