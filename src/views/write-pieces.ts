// Writes a rendered text that comes in pieces (a plan at scale is too big for one string), shared by the views.

/**
 * Characters per write: fewer system calls than one write per dataset, and small enough that the text of one write,
 * two bytes a character once any piece is not Latin-1 (a plan's `→`), stays under V8's largest regular heap object
 * (128 KiB). A larger string goes to the large-object space, fresh pages from the system for every write: at
 * 10,000 datasets about 300 writes and 9,000 page faults.
 */
export const WRITE_CHARS = 32_768;

/** Gathers pieces into writes of about WRITE_CHARS characters. */
export function writePieces(pieces: Iterable<string>, out: { write(text: string): unknown }): void {
  let buffer = '';
  for (const p of pieces) {
    buffer += p;
    if (buffer.length >= WRITE_CHARS) { out.write(buffer); buffer = ''; }
  }
  if (buffer !== '') out.write(buffer);
}
