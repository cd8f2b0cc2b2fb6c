// A strict reader of the Prometheus text exposition format (0.0.4), written for the tests independently of
// src/metrics: it rejects what node_exporter's textfile collector would reject, and returns the samples.

export interface ParsedFamily { name: string; help: string | null; type: string | null; samples: { labels: Record<string, string>; value: number }[] }

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function value(text: string, where: string): number {
  if (text === 'NaN') return NaN;
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`${where}: bad value "${text}"`);
  return Number(text);
}

/** Throws with the line number on the first violation. */
export function parseExposition(text: string): Map<string, ParsedFamily> {
  if (text !== '' && !text.endsWith('\n')) throw new Error('the text must end with a newline');
  const families = new Map<string, ParsedFamily>();
  const series = new Set<string>();
  let current: string | null = null; // family whose samples are being read
  const lines = text === '' ? [] : text.slice(0, -1).split('\n');
  const fam = (name: string) => {
    let f = families.get(name);
    if (!f) { f = { name, help: null, type: null, samples: [] }; families.set(name, f); }
    return f;
  };
  lines.forEach((line, n) => {
    const where = `line ${n + 1}`;
    if (line === '') throw new Error(`${where}: empty line`);
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) return; // a plain comment
      const [, kw, name, rest] = m as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`${where}: bad metric name "${name}"`);
      const f = fam(name);
      if (f.samples.length > 0) throw new Error(`${where}: ${kw} of ${name} after its samples`);
      if (kw === 'HELP') {
        if (f.help !== null) throw new Error(`${where}: second HELP for ${name}`);
        if (/\\[^\\n]/.test(rest.replaceAll('\\\\', ''))) throw new Error(`${where}: bad escape in HELP`);
        f.help = rest;
      } else {
        if (f.type !== null) throw new Error(`${where}: second TYPE for ${name}`);
        if (!TYPES.has(rest)) throw new Error(`${where}: bad type "${rest}"`);
        f.type = rest;
      }
      return;
    }
    const nm = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
    if (!nm) throw new Error(`${where}: no metric name`);
    const name = nm[0];
    let i = name.length;
    const labels: Record<string, string> = {};
    if (line[i] === '{') {
      i++;
      while (line[i] !== '}') {
        const lm = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(i));
        if (!lm || !LABEL.test(lm[1]!)) throw new Error(`${where}: bad label at column ${i + 1}`);
        if (lm[1]! in labels) throw new Error(`${where}: label ${lm[1]} twice`);
        i += lm[0].length;
        let v = '';
        for (;;) {
          const ch = line[i];
          if (ch === undefined) throw new Error(`${where}: unterminated label value`);
          if (ch === '"') break;
          if (ch === '\n') throw new Error(`${where}: raw newline in label value`);
          if (ch === '\\') {
            const e = line[i + 1];
            if (e === '\\') v += '\\'; else if (e === '"') v += '"'; else if (e === 'n') v += '\n';
            else throw new Error(`${where}: bad escape \\${e ?? ''} in label value`);
            i += 2;
            continue;
          }
          v += ch;
          i++;
        }
        i++;
        labels[lm[1]!] = v;
        if (line[i] === ',') i++;
        else if (line[i] !== '}') throw new Error(`${where}: expected , or } at column ${i + 1}`);
      }
      i++;
    }
    const rest = line.slice(i);
    const vm = /^ (\S+)( -?\d+)?$/.exec(rest);
    if (!vm) throw new Error(`${where}: expected " value [timestamp]", got "${rest}"`);
    if (current !== name && families.get(name)?.samples.length) throw new Error(`${where}: samples of ${name} are not together`);
    current = name;
    const f = fam(name);
    const key = name + JSON.stringify(Object.entries(labels).sort());
    if (series.has(key)) throw new Error(`${where}: duplicate series ${key}`);
    series.add(key);
    f.samples.push({ labels, value: value(vm[1]!, where) });
  });
  return families;
}
