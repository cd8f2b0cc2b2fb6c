// The exec choke point with a stdout consumer, on real local processes: every byte reaches the consumer in order,
// and a consumer that throws stops the command (closed pipe) and its error is what the caller sees.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalExecutor, computeChildPath, readStackSoftLimit } from '../../../src/zfs/local.js';
import { execFileSync } from 'node:child_process';
import { runZfsResult } from '../../../src/zfs/run.js';

const exec = new LocalExecutor('here');

test('runZfsResult with onStdout: the consumer gets all of stdout in order; the result keeps stderr and the exit code', async () => {
  const chunks: Buffer[] = [];
  const seen: string[] = [];
  const r = await runZfsResult(exec, ['sh', '-c', 'seq 1 200000; echo oops >&2; exit 3'], {
    onStdout: (c) => chunks.push(Buffer.from(c)), // a chunk is the consumer's during the call only: kept, it is copied
    observer: (e) => seen.push(`${e.argv[0]} -> ${e.code}`),
  });
  const expected = Array.from({ length: 200000 }, (_, i) => `${i + 1}\n`).join('');
  assert.equal(Buffer.concat(chunks).toString(), expected);
  assert.ok(chunks.length > 1, 'streamed in more than one chunk');
  assert.deepEqual({ ...r }, { stdout: '', stderr: 'oops\n', code: 3, signal: null });
  assert.deepEqual(seen, ['sh -> 3']);
});

test('runZfsResult with onStdout, locally: every chunk is read into one buffer of the command\'s own, and commands at once each get all of their own output', async () => {
  const run = async (argv: string[]) => {
    const texts: string[] = [];
    const memory = new Set<ArrayBufferLike>();
    const r = await runZfsResult(exec, argv, { onStdout: (c) => { texts.push(c.toString('latin1')); memory.add(c.buffer); } });
    return { text: texts.join(''), chunks: texts.length, memory, code: r.code };
  };
  // three at once, as the planner lists slices of a side at once: their reads interleave
  const [a, b, c] = await Promise.all([
    run(['seq', '1', '300000']),
    run(['sh', '-c', 'seq 1 300000 | sed s/^/b/']),
    run(['sh', '-c', 'printf "x%.0s" $(seq 1 70000)']),
  ]);
  assert.equal(a.text, Array.from({ length: 300000 }, (_, i) => `${i + 1}\n`).join(''));
  assert.equal(b.text, Array.from({ length: 300000 }, (_, i) => `b${i + 1}\n`).join(''));
  assert.equal(c.text, 'x'.repeat(70000));
  for (const r of [a, b, c]) {
    assert.equal(r.code, 0);
    assert.ok(r.chunks > 1, 'read in more than one chunk');
    assert.equal(r.memory.size, 1, 'every chunk of one command in the same memory');
  }
  assert.equal(new Set([...a.memory, ...b.memory, ...c.memory]).size, 3, 'each command its own buffer');
  // without a consumer the output is collected as before (chunks kept, so not in a reused buffer)
  const whole = await runZfsResult(exec, ['seq', '1', '300000']);
  assert.equal(whole.stdout, a.text);
});

test('runZfsResult with onStdout: a consumer that throws ends an endless command and its error is thrown', async () => {
  const seen: (number | null)[] = [];
  let calls = 0;
  await assert.rejects(
    runZfsResult(exec, ['yes', 'line'], {
      onStdout: () => { if (++calls === 3) throw new Error('bad line'); },
      observer: (e) => seen.push(e.code),
    }),
    /^Error: bad line$/,
  );
  assert.equal(calls, 3, 'no chunk after the failure');
  assert.equal(seen.length, 1, 'the command ended and was reported');
  assert.notEqual(seen[0], 0, 'it failed on the closed pipe (EPIPE or SIGPIPE)');
});

test('readStackSoftLimit: the stack limit of this Linux process (bytes or unlimited)', () => {
  const limit = readStackSoftLimit();
  assert.ok(limit === null || (typeof limit === 'number' && limit > 0), String(limit));
});

test('a command run to its end (the lighter path) ends as a streamed one does: output, stderr, exit, signal, a missing program', async () => {
  const collect = async (argv: string[], opts: { runToEnd?: boolean; stdin?: 'pipe' | 'ignore'; transientStdout?: boolean }, input?: string) => {
    const p = exec.spawn(argv, opts);
    if (input !== undefined) p.stdin!.end(input);
    const chunks: Buffer[] = [];
    p.stdout.on('data', (c: Buffer) => chunks.push(Buffer.from(c)));
    const r = await p.exited;
    return { out: Buffer.concat(chunks).toString(), code: r.code, signal: r.signal, stderr: r.stderr };
  };
  for (const [argv, input] of [
    [['sh', '-c', 'echo out; echo err >&2; exit 4'], undefined],
    [['sh', '-c', 'kill -TERM $$'], undefined],
    [['cat'], 'from stdin\n'],
    [['/nonexistent/zfs', 'list'], undefined],
  ] as [string[], string | undefined][]) {
    const stdin = input === undefined ? 'ignore' as const : 'pipe' as const;
    const light = await collect(argv, { runToEnd: true, stdin }, input);
    // read into one reused buffer (what runZfsResult asks when a consumer takes each chunk)
    const oneBuffer = await collect(argv, { runToEnd: true, stdin, transientStdout: true }, input);
    const streamed = await collect(argv, { stdin }, input);
    if (argv[0] === '/nonexistent/zfs') {
      for (const r of [light, oneBuffer]) {
        assert.equal(r.code, 127);
        assert.match(r.stderr, /^\/nonexistent\/zfs: .*ENOENT/);
      }
      assert.equal(streamed.code, 127);
    } else {
      assert.deepEqual(light, streamed, argv.join(' '));
      assert.deepEqual(oneBuffer, streamed, argv.join(' '));
    }
  }
  const r = await runZfsResult(exec, ['sh', '-c', 'printf "a\\tb\\n"; exit 1']);
  assert.deepEqual({ ...r }, { stdout: 'a\tb\n', stderr: '', code: 1, signal: null });
});

test('computeChildPath: the user\'s PATH first, then /usr/sbin and /sbin where it lacks them; unset or empty as /usr/bin:/bin', () => {
  assert.equal(computeChildPath('/usr/bin:/bin'), '/usr/bin:/bin:/usr/sbin:/sbin');
  assert.equal(computeChildPath('/usr/local/sbin:/usr/sbin:/usr/bin'), '/usr/local/sbin:/usr/sbin:/usr/bin:/sbin');
  assert.equal(computeChildPath('/sbin:/usr/sbin'), '/sbin:/usr/sbin');
  assert.equal(computeChildPath(undefined), '/usr/bin:/bin:/usr/sbin:/sbin');
  assert.equal(computeChildPath(''), '/usr/bin:/bin:/usr/sbin:/sbin');
});

test('under a PATH without the sbin folders (cron\'s, a user\'s), a local command still finds a program that lives only in /usr/sbin, both ways it is run', () => {
  // a fresh process with cron's PATH; sshd lives in /usr/sbin only
  const script = `
    import { LocalExecutor } from ${JSON.stringify(new URL('../../../src/zfs/local.js', import.meta.url).href)};
    const exec = new LocalExecutor('here');
    for (const runToEnd of [true, false]) {
      const p = exec.spawn(['sh', '-c', 'command -v sshd; printf %s "$PATH"'], { runToEnd, stdin: 'ignore' });
      const chunks = [];
      p.stdout.on('data', (c) => chunks.push(c));
      const r = await p.exited;
      console.log(JSON.stringify({ out: Buffer.concat(chunks).toString(), code: r.code }));
    }`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { PATH: '/usr/bin:/bin' }, encoding: 'utf8' });
  const expected = JSON.stringify({ out: '/usr/sbin/sshd\n/usr/bin:/bin:/usr/sbin:/sbin', code: 0 });
  assert.deepEqual(out.trim().split('\n'), [expected, expected]);
});
