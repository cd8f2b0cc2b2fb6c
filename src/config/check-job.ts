// Semantic checks of the hosts section and of each job on its own (what the schema cannot say).
import { configDatasetNamecheck, componentNamecheck, MAX_NAME_LEN, PLACEHOLDER_PROPERTY } from '../zfs/names.js';
import type { KeyPath } from './issue.js';
import { filterPatternCheck } from './filter.js';
import { parseGrid } from './grid.js';
import { jobNameCheck } from './jobname.js';
import { asArray, asObject, asString, field, type Plain } from './plain.js';
import { compileRegex } from './regex.js';
import { TIMESTAMP_FORMATS, formatTimestamp } from './timestamp.js';
import type { TimestampFormat } from './types.js';
import { parseDuration, parseSize } from './units.js';
import { valueErrorOf } from './value-error.js';
import { parseCompression } from './compression.js';

const HOST_NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
/** native properties are lowercase words; user properties contain a colon */
const PROPERTY_RE = /^([a-z][a-z0-9_]*|[a-z0-9_.-]*:[a-z0-9_.:-]*)$/i;
/** properties OpenZFS refuses to set or exclude on a raw receive */
const ENCRYPTION_PROPERTIES = new Set(['encryption', 'keyformat', 'keylocation', 'pbkdf2iters', 'pbkdf2salt']);
const SAMPLE_DATES = [new Date(Date.UTC(2006, 0, 2, 15, 4, 5, 0)), new Date(Date.UTC(2099, 11, 31, 23, 59, 59, 999))];

type Report = (path: KeyPath, message: string, at?: 'value' | 'key') => void;

function checkValue(report: Report, path: KeyPath, value: unknown, parse: (v: unknown) => unknown): void {
  if (value === undefined) return;
  const err = valueErrorOf(() => parse(value));
  if (err) report(path, err);
}

function checkRegex(report: Report, path: KeyPath, value: unknown): void {
  if (typeof value === 'string') checkValue(report, path, value, () => compileRegex(value));
}

function checkPathOption(report: Report, path: KeyPath, value: unknown): void {
  if (typeof value === 'string' && value !== '' && !value.startsWith('/') && !value.startsWith('~/')) {
    report(path, `must be an absolute path or start with "~/", not "${value}"`);
  }
}

/** The host names jobs may use: "local" and every name under hosts. */
export function knownHostNames(root: Plain | undefined): string[] {
  return [...new Set(['local', ...Object.keys(asObject(root?.hosts) ?? {})])];
}

export function checkHosts(root: Plain | undefined, report: Report): void {
  const hosts = asObject(root?.hosts);
  if (!hosts) return;
  for (const [name, host] of Object.entries(hosts)) {
    const base = ['hosts', name];
    if (!HOST_NAME_RE.test(name)) report(base, `host name "${name}" may contain only letters, digits, "_", "-" and "." (and must not start with "." or "-")`, 'key');
    const h = asObject(host);
    if (!h) continue;
    if (name === 'local') {
      if (h.ssh !== undefined) report([...base, 'ssh'], 'the built-in host "local" is this machine and cannot have ssh: give the SSH host another name', 'key');
    } else if (h.ssh === undefined) {
      report(base, 'missing required key "ssh" (every host except "local" is reached over SSH)');
    }
    if (typeof h.privilege === 'string' && h.privilege.trim() === '') report([...base, 'privilege'], 'must not be empty (omit privilege to run zfs directly)');
    const ssh = asObject(h.ssh);
    if (ssh) {
      // a host or user name is one word: a space or control character in one would be no name ssh accepts, and would
      // split every message that names it
      for (const key of ['host', 'user'] as const) {
        const v = ssh[key];
        if (typeof v === 'string' && /[\s\x00-\x1f\x7f-\x9f]/.test(v)) report([...base, 'ssh', key], `must be one word, without spaces or control characters, not ${JSON.stringify(v)}`);
      }
      checkPathOption(report, [...base, 'ssh', 'identity_file'], ssh.identity_file);
      checkPathOption(report, [...base, 'ssh', 'known_hosts'], ssh.known_hosts);
      checkValue(report, [...base, 'ssh', 'connect_timeout'], ssh.connect_timeout, parseDuration);
      checkValue(report, [...base, 'ssh', 'keepalive_interval'], ssh.keepalive_interval, parseDuration);
    }
  }
}

function checkHostRef(report: Report, path: KeyPath, side: unknown, known: string[]): void {
  const h = field(side, 'host');
  if (typeof h === 'string' && h !== '' && !known.includes(h)) {
    report([...path, 'host'], `unknown host "${h}" (known: ${known.join(', ')}; define it under hosts)`);
  }
}

function checkBandwidth(report: Report, path: KeyPath, limit: unknown): void {
  const l = asObject(limit);
  if (!l) return;
  checkValue(report, [...path, 'max'], l.max, parseSize);
  checkValue(report, [...path, 'bucket_capacity'], l.bucket_capacity, parseSize);
}

function checkRecvProperties(report: Report, path: KeyPath, props: unknown, rawSend: boolean): void {
  const p = asObject(props);
  if (!p) return;
  const override = asObject(p.override) ?? {};
  const inherit = asArray(p.inherit) ?? [];
  const checkName = (name: string, where: KeyPath, at: 'value' | 'key'): void => {
    if (!PROPERTY_RE.test(name) || Buffer.byteLength(name) > 256) report(where, `"${name}" is not a ZFS property name`, at);
    else if (name === PLACEHOLDER_PROPERTY) report(where, `"${name}" is managed by zform and cannot be set or inherited`, at);
    // zfs receive -o origin= makes the received dataset a clone: zform sets it only for a clone's first step
    else if (name === 'origin') report(where, '"origin" cannot be set or inherited on receive: zform receives a source clone as a clone of its origin\'s replica by itself', at);
    else if (rawSend && ENCRYPTION_PROPERTIES.has(name)) {
      report(where, `"${name}" cannot be set or inherited on receive because the stream is raw (send.raw or send.encrypted): OpenZFS refuses to change encryption properties of raw streams`, at);
    }
  };
  for (const name of Object.keys(override)) checkName(name, [...path, 'override', name], 'key');
  inherit.forEach((name, i) => {
    if (typeof name !== 'string') return;
    const where = [...path, 'inherit', i];
    checkName(name, where, 'value');
    if (Object.hasOwn(override, name)) report(where, `"${name}" is both overridden and inherited: choose one`);
  });
}

function checkPruneRules(report: Report, path: KeyPath, rules: unknown, side: 'source' | 'target', hasTarget: boolean): void {
  asArray(rules)?.forEach((rule, i) => {
    const r = asObject(rule);
    if (!r) return;
    const here = [...path, i];
    checkRegex(report, [...here, 'regex'], r.regex);
    if (r.type === 'grid' && typeof r.grid === 'string') {
      const grid = r.grid;
      checkValue(report, [...here, 'grid'], grid, () => parseGrid(grid));
    }
    if (r.type === 'not_replicated') {
      if (side === 'target') report([...here, 'type'], 'not_replicated is a keep_source rule: it keeps source snapshots newer than the replication cursor, which only the source has');
      else if (!hasTarget) report([...here, 'type'], 'not_replicated needs a target: a job without target replicates nothing, so this rule would keep every snapshot');
    }
  });
}

export function checkJob(job: unknown, index: number, root: Plain | undefined, report: Report): void {
  const j = asObject(job);
  if (!j) return;
  const base: KeyPath = ['jobs', index];
  const known = knownHostNames(root);

  if (typeof j.name === 'string') {
    const err = jobNameCheck(j.name);
    if (err) report([...base, 'name'], err);
  }
  checkHostRef(report, [...base, 'source'], j.source, known);
  const filesystems = asObject(field(j.source, 'filesystems'));
  if (filesystems) checkFilesystems(report, base, filesystems);
  const hasTarget = j.target !== undefined;
  checkHostRef(report, [...base, 'target'], j.target, known);
  checkRootFs(report, base, asString(field(j.target, 'root_fs')), filesystems);
  const snap = asObject(j.snapshotting);
  if (snap) checkSnapshotting(report, base, snap);
  if (!hasTarget) checkWithoutTarget(report, base, j);

  // replication, send, recv
  checkRegex(report, [...base, 'replication', 'snapshots'], field(j.replication, 'snapshots'));
  checkHooks(report, [...base, 'replication', 'hooks'], field(j.replication, 'hooks'));
  checkBandwidth(report, [...base, 'send', 'bandwidth_limit'], field(j.send, 'bandwidth_limit'));
  checkBandwidth(report, [...base, 'recv', 'bandwidth_limit'], field(j.recv, 'bandwidth_limit'));
  const compression = field(j.send, 'compression');
  if (typeof compression === 'string') checkValue(report, [...base, 'send', 'compression'], compression, () => parseCompression(compression));
  checkValue(report, [...base, 'send', 'buffer'], field(j.send, 'buffer'), parseSize);
  checkValue(report, [...base, 'replication', 'destroy_missing'], field(j.replication, 'destroy_missing'), parseDuration);
  const rawSend = field(j.send, 'raw') === true || field(j.send, 'encrypted') === true;
  checkRecvProperties(report, [...base, 'recv', 'properties'], field(j.recv, 'properties'), rawSend);

  // pruning
  checkPruneRules(report, [...base, 'pruning', 'keep_source'], field(j.pruning, 'keep_source'), 'source', hasTarget);
  checkPruneRules(report, [...base, 'pruning', 'keep_target'], field(j.pruning, 'keep_target'), 'target', hasTarget);
}

function checkFilesystems(report: Report, base: KeyPath, filesystems: Plain): void {
  for (const pattern of Object.keys(filesystems)) {
    const err = filterPatternCheck(pattern);
    if (err) report([...base, 'source', 'filesystems', pattern], err, 'key');
  }
  const values = Object.values(filesystems);
  if (values.length > 0 && values.every((v) => v === false)) {
    report([...base, 'source', 'filesystems'], 'selects nothing: every pattern is false (a dataset is selected only by a pattern that is true)');
  }
}

/** A valid root_fs, under which every selected dataset's name stays within ZFS's length limit. */
function checkRootFs(report: Report, base: KeyPath, rootFs: string | undefined, filesystems: Plain | undefined): void {
  if (rootFs === undefined) return;
  const err = rootFs === '' ? 'must not be empty' : configDatasetNamecheck(rootFs);
  if (err) { report([...base, 'target', 'root_fs'], rootFs === '' ? err : `invalid dataset name "${rootFs}": ${err}`); return; }
  if (!filesystems) return;
  for (const [pattern, accept] of Object.entries(filesystems)) {
    const path = pattern.endsWith('<') ? pattern.slice(0, -1) : pattern;
    if (accept !== true || path === '' || filterPatternCheck(pattern)) continue;
    const received = `${rootFs}/${path}`;
    if (Buffer.byteLength(received) > MAX_NAME_LEN) {
      report([...base, 'source', 'filesystems', pattern], `would be received as "${received}", longer than ${MAX_NAME_LEN} bytes`, 'key');
    }
  }
}

function checkSnapshotting(report: Report, base: KeyPath, snap: Plain): void {
  const format = TIMESTAMP_FORMATS.includes(snap.timestamp_format as TimestampFormat) ? (snap.timestamp_format as TimestampFormat) : 'dense';
  if (typeof snap.prefix === 'string' && snap.prefix !== '') {
    for (const date of SAMPLE_DATES) {
      const name = snap.prefix + formatTimestamp(date, format);
      const err = componentNamecheck(name);
      if (err) {
        report([...base, 'snapshotting', 'prefix'], `makes invalid snapshot names such as "${name}": ${err}`);
        break;
      }
    }
  }
  checkValue(report, [...base, 'snapshotting', 'interval'], snap.interval, parseDuration);
  if (typeof snap.skip_empty === 'string') checkValue(report, [...base, 'snapshotting', 'skip_empty'], snap.skip_empty, parseSize);
  checkHooks(report, [...base, 'snapshotting', 'hooks'], snap.hooks);
}

/** Hook paths are absolute and name one executable (run without a shell, after env's NAME=VALUE words: no "="). */
function checkHooks(report: Report, path: KeyPath, hooks: unknown): void {
  asArray(hooks)?.forEach((hook, i) => {
    const h = asObject(hook);
    if (!h) return;
    const here = [...path, i];
    if (typeof h.path === 'string' && h.path !== '') {
      if (!h.path.startsWith('/')) report([...here, 'path'], `must be an absolute path, not "${h.path}" (hooks run without a shell and without PATH lookup)`);
      else if (h.path.includes('=')) report([...here, 'path'], `must not contain "=" (it follows env's NAME=VALUE words): "${h.path}"`);
    }
    checkValue(report, [...here, 'timeout'], h.timeout, parseDuration);
    const fs = asObject(h.filesystems);
    for (const pattern of Object.keys(fs ?? {})) {
      const err = filterPatternCheck(pattern);
      if (err) report([...here, 'filesystems', pattern], err, 'key');
    }
  });
}

/** Keys that only make sense with a target, and a job that would do nothing. */
function checkWithoutTarget(report: Report, base: KeyPath, j: Plain): void {
  for (const key of ['replication', 'send', 'recv']) {
    if (j[key] !== undefined) report([...base, key], `only allowed with a target: this job has no target, so it only snapshots and prunes (add target or remove ${key})`, 'key');
  }
  if (field(j.pruning, 'keep_target') !== undefined) {
    report([...base, 'pruning', 'keep_target'], 'only allowed with a target: this job has no target, so there is nothing to prune there (add target or remove keep_target)', 'key');
  }
  const keepSource = asArray(field(j.pruning, 'keep_source'));
  if (asObject(j.source) && j.snapshotting === undefined && (keepSource === undefined || keepSource.length === 0)) {
    report(base, 'does nothing: it has no target, no snapshotting and no keep_source rules');
  }
}

export type { Report };
