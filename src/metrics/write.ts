// Writes a metrics file atomically for node_exporter's textfile collector: a temporary file in the same
// folder, then rename, so the collector never reads half a file.
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ZformError } from '../errors.js';

export async function writeMetricsFile(file: string, text: string): Promise<void> {
  // The collector reads only *.prom: a temporary name not ending in .prom is never picked up half-written.
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    await writeFile(tmp, text, { mode: 0o644, flush: true });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new ZformError('internal', `cannot write the metrics file ${file}: ${msg}`, { cause: err });
  }
}

/** The previous file's text, or "" when there is none (or it cannot be read). */
export async function readMetricsFile(file: string): Promise<string> {
  return readFile(file, 'utf8').catch(() => '');
}
