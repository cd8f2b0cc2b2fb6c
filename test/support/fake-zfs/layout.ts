// The fake's builder language: one ZFS step per line (`create pool/a`, `snapshot pool/a@s1`, `hold t pool/a@s1`).

export type FakeStep = { line: string } & (
  | { verb: 'pool'; name: string }
  | { verb: 'create'; name: string; props: Record<string, string>; volsize?: number }
  | { verb: 'snapshot'; names: string[] }
  | { verb: 'bookmark'; source: string; bookmark: string }
  | { verb: 'hold' | 'release'; tag: string; names: string[] }
  | { verb: 'write'; name: string; bytes: number }
  | { verb: 'set'; name: string; props: Record<string, string> }
  | { verb: 'destroy'; names: string[]; recursive: boolean }
  | { verb: 'rollback'; name: string; recursive: boolean }
  | { verb: 'rename'; from: string; to: string }
  | { verb: 'load-key' | 'unload-key'; name: string }
);

/** A layout text that does not parse. */
export class FakeLayoutError extends Error {
  constructor(lineNo: number, line: string, why: string) {
    super(`fake layout line ${lineNo}: ${why}: ${JSON.stringify(line)}`);
    this.name = 'FakeLayoutError';
  }
}

const USAGE = 'pool P | create [-V SIZE] FS [p=v...] | snapshot FS@S... | bookmark FS@S|FS#B #B|FS#B | hold|release TAG FS@S... '
  + '| write FS SIZE | set FS p=v... | destroy [-r] NAME... | rollback [-r] FS@S | rename FS FS | load-key|unload-key FS';

/** `123`, `64K`, `3M`, `1G` (binary units) → bytes, or null. */
export function parseFakeSize(s: string): number | null {
  const m = /^(\d+)([KMG]?)$/i.exec(s);
  if (!m) return null;
  const mult = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2]!.toUpperCase() as '' | 'K' | 'M' | 'G'];
  return Number(m[1]) * mult;
}

/** Steps of a layout text; blank lines and `#` comments are skipped. */
export function parseFakeLayout(text: string): FakeStep[] {
  const out: FakeStep[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('# ') || line === '#') return;
    const bad: (why: string) => never = (why) => { throw new FakeLayoutError(i + 1, line, why); };
    const [verb, ...rest] = line.split(/\s+/);
    const flag = (f: string) => { if (rest[0] === f) { rest.shift(); return true; } return false; };
    const props = (words: string[]) => Object.fromEntries(words.map((w) => {
      const eq = w.indexOf('=');
      if (eq <= 0) bad(`expected prop=value, got '${w}'`);
      return [w.slice(0, eq), w.slice(eq + 1)];
    }));
    const one = () => { if (rest.length !== 1) bad('expected one name'); return rest[0]!; };
    switch (verb) {
      case 'pool': out.push({ line, verb, name: one() }); break;
      case 'create': {
        let volsize: number | undefined;
        if (flag('-V')) {
          const size = parseFakeSize(rest.shift() ?? '');
          if (size === null) bad('-V needs a size');
          volsize = size;
        }
        const name = rest.shift() ?? bad('create needs a name');
        out.push({ line, verb, name, props: props(rest), ...(volsize !== undefined ? { volsize } : {}) });
        break;
      }
      case 'snapshot':
        if (rest.length === 0) bad('snapshot needs names');
        out.push({ line, verb, names: rest });
        break;
      case 'bookmark': {
        if (rest.length !== 2) bad('bookmark needs a source and a bookmark');
        const source = rest[0]!;
        const fs = source.split(/[@#]/)[0]!;
        out.push({ line, verb, source, bookmark: rest[1]!.startsWith('#') ? fs + rest[1]! : rest[1]! });
        break;
      }
      case 'hold': case 'release':
        if (rest.length < 2) bad(`${verb} needs a tag and snapshots`);
        out.push({ line, verb, tag: rest[0]!, names: rest.slice(1) });
        break;
      case 'write': {
        if (rest.length !== 2) bad('write needs a dataset and a size');
        const bytes = parseFakeSize(rest[1]!);
        if (bytes === null) bad(`bad size '${rest[1]}'`);
        out.push({ line, verb, name: rest[0]!, bytes });
        break;
      }
      case 'set': {
        const name = rest.shift() ?? bad('set needs a dataset');
        out.push({ line, verb, name, props: props(rest) });
        break;
      }
      case 'destroy': {
        const recursive = flag('-r');
        if (rest.length === 0) bad('destroy needs names');
        out.push({ line, verb, names: rest, recursive });
        break;
      }
      case 'rollback': {
        const recursive = flag('-r');
        out.push({ line, verb, name: one(), recursive });
        break;
      }
      case 'rename':
        if (rest.length !== 2) bad('rename needs a dataset and its new name');
        out.push({ line, verb, from: rest[0]!, to: rest[1]! });
        break;
      case 'load-key': case 'unload-key': out.push({ line, verb, name: one() }); break;
      default: bad(`unknown verb (${USAGE})`);
    }
  });
  return out;
}
