// Writes a metrics file atomically for node_exporter's textfile collector (src/fsafe.ts: an exclusive temporary
// file in the same folder, then rename), so the collector never reads half a file; 0644 so it can read it.
import { readInputFile, writeFileSafely } from '../fsafe.js';

export async function writeMetricsFile(file: string, text: string): Promise<void> {
  // The collector reads only *.prom: the temporary name (hidden, ending in .tmp) is never picked up half-written.
  await writeFileSafely(file, text, { mode: 0o644, what: 'metrics file' });
}

/** The previous file's text, or "" when there is none, or it cannot be read, or it is not a regular file (a FIFO
 *  planted in a shared folder would block the run; the new file replaces whatever is there). */
export async function readMetricsFile(file: string): Promise<string> {
  return readInputFile(file).catch(() => '');
}
