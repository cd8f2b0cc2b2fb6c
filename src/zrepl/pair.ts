// Which passive zrepl job (sink, source) serves an active one (push, pull), and the client identity a push has
// on its sink: zrepl splits one replication over two hosts' configs.
import { ZformError } from '../errors.js';
import { isObj, str, type Obj, type SourcedJob } from './converter.js';

/** The passive job serving an active one: by listener_name (local transport), else the only one of its type. */
export function findPassive(active: SourcedJob, passives: SourcedJob[], wanted: 'sink' | 'source'): SourcedJob {
  const connect = isObj(active.job.connect) ? active.job.connect : {};
  const candidates = passives.filter((p) => p.type === wanted);
  const where = `${active.file}: jobs[${active.index}] (${active.type} "${active.name}")`;
  let found: SourcedJob[];
  if (str(connect.type) === 'local') {
    found = candidates.filter((p) => isObj(p.job.serve) && str(p.job.serve.type) === 'local' && str(p.job.serve.listener_name) === str(connect.listener_name));
  } else {
    // over the network the passive side is another host: its config is another file
    found = candidates.filter((p) => p.file !== active.file && !(isObj(p.job.serve) && str(p.job.serve.type) === 'local'));
  }
  if (found.length === 1) return found[0]!;
  if (found.length === 0) {
    const what = wanted === 'sink' ? 'root_fs is' : 'filesystems, snapshotting and send settings are';
    throw new ZformError('config', `${where}: its ${wanted} job is not in the files given (its ${what} there): convert both hosts' zrepl configs together, e.g. zform import zrepl this.yml other-host.yml`);
  }
  throw new ZformError('config', `${where}: ${found.length} ${wanted} jobs could serve it (${found.map((f) => f.name).join(', ')}): convert it together with only the config of the host it connects to`);
}

/** The client identity a push job has on its sink, when the configs tell it. */
export function clientIdentity(push: SourcedJob, sink: SourcedJob): string {
  const connect = push.job.connect as Obj;
  const serve = isObj(sink.job.serve) ? sink.job.serve : {};
  if (str(connect.type) === 'local') {
    const id = str(connect.client_identity);
    if (id) return id;
  }
  const ids: string[] = Array.isArray(serve.client_identities) ? serve.client_identities.map(String)
    : Array.isArray(serve.client_cns) ? serve.client_cns.map(String)
      : isObj(serve.clients) ? Object.values(serve.clients).map(String) : [];
  const usable = [...new Set(ids)].filter((i) => !i.includes('*'));
  if (usable.length === 1 && ids.length === usable.length) return usable[0]!;
  throw new ZformError('config', `${push.file}: jobs[${push.index}] (push "${push.name}"): sink job "${sink.name}" serves ${ids.length === 0 ? 'no named client identity' : `the client identities ${ids.join(', ')}`}, so the folder under its root_fs that push "${push.name}" received into is not known: convert with a copy of the sink's config that lists only that client`);
}
