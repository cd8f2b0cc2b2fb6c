// The real tests' helpers that work anywhere: shell quoting, sh/shResult, the guest check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestRequiredError, ShError, encryptionProps, q, requireGuest, sh, shResult } from '../../real/lib.js';

test('q leaves safe words bare and single-quotes the rest', () => {
  assert.equal(q('pool/a@s1'), 'pool/a@s1');
  assert.equal(q('pool/a#b1'), 'pool/a#b1');
  assert.equal(q('keylocation=file:///mnt/disk/p.key'), 'keylocation=file:///mnt/disk/p.key');
  assert.equal(q('a b'), "'a b'");
  assert.equal(q("it's"), `'it'\\''s'`);
  assert.equal(q(''), "''");
  assert.equal(q('$(reboot)'), "'$(reboot)'");
});

test('sh returns stdout; a failure throws ShError with the exit code and stderr', async () => {
  assert.equal(await sh(`printf '%s\\n' ${q("it's")}`), "it's\n");
  const err = await sh('echo out; echo oops >&2; exit 3').then(() => null, (e: unknown) => e);
  assert.ok(err instanceof ShError);
  assert.equal(err.code, 3);
  assert.equal(err.stdout, 'out\n');
  assert.equal(err.stderr, 'oops\n');
  assert.equal(err.message, 'command failed (exit 3): echo out; echo oops >&2; exit 3\noops');
});

test('sh fails a pipeline whose first command fails (pipefail); shResult never throws for an exit code', async () => {
  await assert.rejects(sh('false | cat'), ShError);
  assert.deepEqual(await shResult('echo a; echo b >&2; exit 5'), { code: 5, stdout: 'a\n', stderr: 'b\n' });
  assert.deepEqual(await shResult('kill -TERM $$'), { code: null, stdout: '', stderr: '' });
});

test('requireGuest throws outside the guest, naming the file and the runner', () => {
  const saved = process.env.ZFORM_IN_GUEST;
  try {
    delete process.env.ZFORM_IN_GUEST;
    assert.throws(() => requireGuest('file:///x/y.test.js'), new GuestRequiredError('file:///x/y.test.js'));
    assert.throws(() => requireGuest('f'), { message: 'f needs real OpenZFS: run it in the guest with test/real/run (not with node --test directly)' });
    process.env.ZFORM_IN_GUEST = '1';
    assert.equal(requireGuest('f'), undefined);
  } finally {
    if (saved === undefined) delete process.env.ZFORM_IN_GUEST; else process.env.ZFORM_IN_GUEST = saved;
  }
});

test('encryptionProps make an encryption root whose key loads from the pool key file', () => {
  assert.deepEqual(encryptionProps({ keyFile: '/mnt/disk/p.key' }),
    { encryption: 'on', keyformat: 'passphrase', keylocation: 'file:///mnt/disk/p.key', pbkdf2iters: '100000' });
});
