// loadConfig: reads the config file and parses it (the only config function that does I/O).
import { createHash } from 'node:crypto';
import { ConfigError, ZformError } from '../errors.js';
import { parseConfig } from './parse.js';
import { computeWriteExposure, describeTrustedWriters, readAtMost } from '../fsafe.js';
import { open } from 'node:fs/promises';
import type { Config } from './types.js';

import { DEFAULT_CONFIG_PATH } from './default-path.js';
export { DEFAULT_CONFIG_PATH };

/** The most a config file may hold: a configuration is a few KiB, and a device such as /dev/zero or a file of
 *  gigabytes would otherwise be read until memory runs out. */
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

/** The file's bytes, at most MAX_CONFIG_BYTES (a pipe, e.g. `-c <(...)`, is read to its end). */
async function readConfigBytes(file: string): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const st = await fh.stat();
    const bytes = await readAtMost(fh, MAX_CONFIG_BYTES, st.isFile() ? st.size : 0);
    if (bytes === null) throw new Error('it is larger than 16 MiB (a configuration is a few KiB)');
    return bytes;
  } finally {
    await fh.close();
  }
}

/** Reads, parses and validates `file`; `digest` is the sha256 of its bytes. */
export async function loadConfig(file: string): Promise<Config> {
  let bytes: Buffer;
  try {
    bytes = await readConfigBytes(file);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file'
      : (err as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied'
      : (err as NodeJS.ErrnoException).code === 'EISDIR' ? 'is a directory'
      : err instanceof Error ? err.message : String(err);
    // the default path missing is a first run: say how to get going
    const hint = file === DEFAULT_CONFIG_PATH && reason === 'no such file'
      ? ' (create it from one of the examples in $(npm root -g)/zform/examples/, or pass -c FILE)' : '';
    throw new ZformError('config', `cannot read config ${file}: ${reason}${hint}`, { cause: err });
  }
  const uid = process.getuid?.();
  if (uid !== undefined) {
    const why = await computeWriteExposure(file, uid);
    if (why !== null) {
      throw new ZformError('config', `config ${file}: ${why}; whoever can change it decides what zform destroys and which hooks it runs: make it and its folders writable only by ${describeTrustedWriters(uid)}`);
    }
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ConfigError([{ file, line: 1, column: 1, path: '', message: 'the file is not valid UTF-8 text' }]);
  }
  const config = parseConfig(text, file);
  return { ...config, digest: createHash('sha256').update(bytes).digest('hex') };
}
