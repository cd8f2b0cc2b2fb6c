// Writes a rendered text that comes in pieces (a plan at scale is too big for one string), shared by the views.

/** Gathers pieces into writes of about 64 KiB: fewer system calls than one write per dataset. */
export function writePieces(pieces: Iterable<string>, out: { write(text: string): unknown }): void {
  let buffer = '';
  for (const p of pieces) {
    buffer += p;
    if (buffer.length >= 65_536) { out.write(buffer); buffer = ''; }
  }
  if (buffer !== '') out.write(buffer);
}
