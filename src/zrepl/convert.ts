// computeZreplConversion: zrepl configs (the YAML of one or more hosts) -> the equivalent zform config, with one
// note for each setting that cannot be carried over. Pure: the files' texts are parameters.
//
// zrepl splits a replication across two hosts (push+sink, pull+source); zform describes it once. An active job is
// paired with its passive side from the files given: by listener_name for the local transport, else the one
// passive job of the matching type in another file (another host). push+sink: source local, target the connect host, root_fs = the sink's
// root_fs/<client identity> (where zrepl received). pull+source: source the connect host, target local,
// root_fs = the pull's root_fs. snap: a job without a target. Pruning: a side whose rules cannot all be carried
// over gets none (a missing keep rule would destroy more; no rules destroy nothing).
import { Document, parse as parseYaml, YAMLSeq, isMap } from 'yaml';
import { ZformError } from '../errors.js';
import { Converter, isObj, str, type ConversionNote, type Obj, type SourcedJob, type ZreplConversion, type ZreplFile } from './converter.js';
import { convertPruning, convertRecv, convertReplication, convertSend, convertSnapshotting } from './sections.js';
import { clientIdentity, findPassive } from './pair.js';

export { convertDuration, type ConversionNote, type ZreplConversion, type ZreplFile } from './converter.js';

export function computeZreplConversion(files: ZreplFile[]): ZreplConversion {
  const c = new Converter();
  const all = files.flatMap((f) => readZreplFile(c, f));
  const passives = all.filter((j) => j.type === 'sink' || j.type === 'source');
  const used = new Set<SourcedJob>();
  const jobs: Obj[] = [];
  for (const a of all) {
    const path = `jobs[${a.index}]`;
    c.forJob(jobs.length);
    if (a.type === 'push' || a.type === 'pull') {
      const passive = findPassive(a, passives, a.type === 'push' ? 'sink' : 'source');
      used.add(passive);
      jobs.push(convertActive(c, a, passive));
    } else if (a.type === 'snap') {
      const out = convertSnap(c, a);
      if (out) jobs.push(out);
    } else if (a.type !== 'sink' && a.type !== 'source') {
      c.toTop();
      c.note(a.file, path, `job "${a.name}" of unknown type "${a.type}": left out`);
    }
  }
  c.toTop();
  for (const p of passives) {
    if (!used.has(p)) c.note(p.file, `jobs[${p.index}]`, `${p.type} job "${p.name}" serves a ${p.type === 'sink' ? 'push' : 'pull'} job that is not in the files given: left out (convert it together with that host's config)`);
  }
  if (jobs.length === 0) throw new ZformError('config', `${files.map((f) => f.file).join(', ')}: no zrepl job that zform can carry over (push, pull, snap)`);
  return { yaml: renderConversion(c, jobs, files), jobs: jobs.map((j) => String(j.name)), notes: c.notes };
}

const GLOBAL_WHY: Record<string, string> = {
  logging: 'zform logs to stderr: --log-format human|logfmt|json, --log-level; journald keeps them under systemd',
  monitoring: 'zform has no listener: zform status --metrics-file FILE (node_exporter textfile collector) or zform status --nagios',
  control: 'zform has no daemon and no control socket',
  serve: 'zform has no daemon and no stdinserver',
};

/** One file's jobs, with notes for its global section and includes. */
function readZreplFile(c: Converter, f: ZreplFile): SourcedJob[] {
  let doc: unknown;
  try {
    doc = parseYaml(f.text);
  } catch (err) {
    throw new ZformError('config', `${f.file}: not valid YAML: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  if (!isObj(doc) || !Array.isArray(doc.jobs)) throw new ZformError('config', `${f.file}: not a zrepl config (no jobs: list)`);
  if (isObj(doc.global)) {
    for (const k of Object.keys(doc.global)) c.note(f.file, `global.${k}`, GLOBAL_WHY[k] ?? 'zform has no equivalent');
  }
  if (doc.include !== undefined) c.note(f.file, 'include', 'included files are not read: give them to zform import zrepl as well');
  c.rest(f.file, '(top level)', doc, ['global', 'jobs', 'include'], 'unknown zrepl key');
  return doc.jobs.map((j, index) => {
    if (!isObj(j)) throw new ZformError('config', `${f.file}: jobs[${index}]: not a job`);
    return { file: f.file, index, job: j, name: str(j.name) ?? `job${index}`, type: str(j.type) ?? '' };
  });
}

/** Sets `out[key]` when the section converted to something. */
function put(out: Obj, key: string, value: Obj | null | undefined): void {
  if (value) out[key] = value;
}

/** A push (with its sink) or a pull (with its source) as one zform job. */
function convertActive(c: Converter, a: SourcedJob, passive: SourcedJob): Obj {
  const path = `jobs[${a.index}]`;
  const ppath = `jobs[${passive.index}]`;
  const j = a.job;
  const remote = c.host(a.file, `${path}.connect`, isObj(j.connect) ? j.connect : {});
  const out: Obj = { name: a.name };
  if (a.type === 'push') {
    const root = str(passive.job.root_fs);
    if (!root) throw new ZformError('config', `${passive.file}: ${ppath} (sink "${passive.name}"): no root_fs`);
    out.source = { host: 'local', filesystems: j.filesystems };
    out.target = { host: remote, root_fs: `${root}/${clientIdentity(a, passive)}` };
    put(out, 'snapshotting', convertSnapshotting(c, a.file, `${path}.snapshotting`, j.snapshotting));
    put(out, 'replication', convertReplication(c, a.file, path, j));
    put(out, 'send', convertSend(c, a.file, `${path}.send`, j.send));
    put(out, 'recv', convertRecv(c, passive.file, `${ppath}.recv`, passive.job.recv));
    c.rest(a.file, path, j, ['name', 'type', 'connect', 'filesystems', 'snapshotting', 'replication', 'conflict_resolution', 'send', 'pruning']);
    c.rest(passive.file, ppath, passive.job, ['name', 'type', 'serve', 'root_fs', 'recv'], 'zform has no equivalent on the receiving side');
  } else {
    const root = str(j.root_fs);
    if (!root) throw new ZformError('config', `${a.file}: ${path} (pull "${a.name}"): no root_fs`);
    out.source = { host: remote, filesystems: passive.job.filesystems };
    out.target = { host: 'local', root_fs: root };
    put(out, 'snapshotting', convertSnapshotting(c, passive.file, `${ppath}.snapshotting`, passive.job.snapshotting));
    put(out, 'replication', convertReplication(c, a.file, path, j));
    put(out, 'send', convertSend(c, passive.file, `${ppath}.send`, passive.job.send));
    put(out, 'recv', convertRecv(c, a.file, `${path}.recv`, j.recv));
    if (j.interval !== undefined) c.note(a.file, `${path}.interval`, `"${str(j.interval) ?? ''}": zform runs when it is run; run zform apply --auto-approve from a timer at that interval (contrib/zform.timer)`);
    c.rest(a.file, path, j, ['name', 'type', 'connect', 'root_fs', 'interval', 'replication', 'conflict_resolution', 'recv', 'pruning']);
    c.rest(passive.file, ppath, passive.job, ['name', 'type', 'serve', 'filesystems', 'snapshotting', 'send'], 'zform has no equivalent on the sending side');
  }
  put(out, 'pruning', convertPruning(c, a.file, path, j.pruning, [['keep_sender', 'keep_source'], ['keep_receiver', 'keep_target']]));
  return out;
}

/** A snap job as a zform job without a target, or null (with a note) when nothing of it carries over. */
function convertSnap(c: Converter, a: SourcedJob): Obj | null {
  const path = `jobs[${a.index}]`;
  const j = a.job;
  const out: Obj = { name: a.name, source: { host: 'local', filesystems: j.filesystems } };
  put(out, 'snapshotting', convertSnapshotting(c, a.file, `${path}.snapshotting`, j.snapshotting));
  put(out, 'pruning', convertPruning(c, a.file, path, j.pruning, [['keep', 'keep_source']]));
  c.rest(a.file, path, j, ['name', 'type', 'filesystems', 'snapshotting', 'pruning']);
  if (!out.snapshotting && !out.pruning) {
    c.note(a.file, path, `snap job "${a.name}" has nothing zform can carry over (no periodic snapshotting, no pruning): left out`);
    return null;
  }
  return out;
}

const noteLine = (n: ConversionNote) => ` NOT CARRIED OVER: ${n.where}: ${n.message}`;

function renderConversion(c: Converter, jobs: Obj[], files: ZreplFile[]): string {
  const value: Obj = {};
  if (Object.keys(c.hosts).length > 0) value.hosts = c.hosts;
  value.jobs = jobs;
  const doc = new Document(value);
  const header = [
    ` zform config converted from zrepl (${files.map((f) => f.file).join(', ')}) by zform import zrepl.`,
    ' Check it with zform validate, then zform plan: the first run continues incrementally from the newest',
    ' snapshot both sides have (matched by GUID). zrepl\'s holds (zrepl_STEP_J_*, zrepl_last_received_J_*) and cursor',
    ' bookmarks stay and are not zform\'s: a held snapshot is never pruned; once zrepl is stopped for good,',
    ' remove them with zrepl zfs-abstraction release-all (or zfs release / zfs destroy).',
    ...c.topNotes.map(noteLine),
  ];
  doc.commentBefore = header.join('\n');
  const seq = doc.get('jobs', true) as YAMLSeq;
  seq.items.forEach((item, i) => {
    const notes = c.jobNotes.get(i) ?? [];
    if (notes.length > 0 && isMap(item)) item.commentBefore = notes.map(noteLine).join('\n');
  });
  return doc.toString({ lineWidth: 0, defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' });
}
