// Prometheus text exposition format (version 0.0.4), for node_exporter's textfile collector: HELP and TYPE
// lines per family, escaped label values, one sample per line, families in the order given.

export type MetricType = 'gauge' | 'counter';

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** HELP text: backslash and newline escaped. */
export function escapeHelp(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');
}

/** A label value: backslash, double quote and newline escaped. */
export function escapeLabelValue(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** The whole file; families without samples are left out (a HELP without samples says nothing). */
export function renderExposition(families: MetricFamily[]): string {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const f of families) {
    if (!METRIC_NAME.test(f.name)) throw new Error(`invalid metric name "${f.name}"`);
    if (seen.has(f.name)) throw new Error(`metric family "${f.name}" given twice`);
    seen.add(f.name);
    if (f.samples.length === 0) continue;
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = Object.entries(s.labels).map(([k, v]) => {
        if (!LABEL_NAME.test(k) || k.startsWith('__')) throw new Error(`invalid label name "${k}" on ${f.name}`);
        return `${k}="${escapeLabelValue(v)}"`;
      });
      out.push(`${f.name}${labels.length > 0 ? `{${labels.join(',')}}` : ''} ${formatValue(s.value)}`);
    }
  }
  return out.length > 0 ? out.join('\n') + '\n' : '';
}

/**
 * The samples of one metric in an exposition text (label values unescaped); lines that do not parse are
 * ignored. Used to carry a job's last success timestamp over from the previous file.
 */
export function parseSamples(text: string, name: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    let i = name.length;
    const labels: Record<string, string> = {};
    if (line[i] === '{') {
      i++;
      let ok = true;
      while (ok && line[i] !== '}') {
        const m = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(i));
        if (!m) { ok = false; break; }
        i += m[0].length;
        let value = '';
        while (i < line.length && line[i] !== '"') {
          if (line[i] === '\\') {
            const n = line[i + 1];
            value += n === 'n' ? '\n' : n ?? '';
            i += 2;
          } else value += line[i++];
        }
        if (line[i] !== '"') { ok = false; break; }
        i++;
        labels[m[1]!] = value;
        if (line[i] === ',') i++;
      }
      if (!ok || line[i] !== '}') continue;
      i++;
    }
    if (line[i] !== ' ') continue;
    const value = Number(line.slice(i + 1).trim().split(' ')[0]);
    if (!Number.isFinite(value)) continue;
    out.push({ labels, value });
  }
  return out;
}
