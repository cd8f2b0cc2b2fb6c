// Terminal capture for unit tests: an Io whose stdout and stderr are collected as text.
import { PassThrough } from 'node:stream';
import type { Io } from '../../src/io.js';

/** A stream that collects what is written to it. */
export function captureStream(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer | string) => { text += d.toString(); });
  return { stream, text: () => text };
}

/** An Io with captured stdout and stderr, an empty stdin, `env` and a fixed clock. */
export function captureIo(env: NodeJS.ProcessEnv = {}, now: () => Date = () => new Date('2024-01-01T00:00:00Z')): { io: Io; out: () => string; err: () => string } {
  const stdout = captureStream();
  const stderr = captureStream();
  const io: Io = { stdout: stdout.stream, stderr: stderr.stream, stdin: new PassThrough(), env, now };
  return { io, out: stdout.text, err: stderr.text };
}

/** Runs the CLI with captured output, an empty environment and the real clock: its exit code, stdout and stderr. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  const { run } = await import('../../src/cli.js');
  const { io, out, err } = captureIo(env, () => new Date());
  const code = await run(args, io);
  return { code, out: out(), err: err() };
}
