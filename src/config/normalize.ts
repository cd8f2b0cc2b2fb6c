// Builds the normalised Config (camelCase, defaults filled, durations in ms, sizes in bytes) from a
// config value that passed the schema and the semantic checks.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseGrid } from './grid.js';
import { asArray, asObject, type Plain } from './plain.js';
import type {
  BandwidthLimit, Config, HookConfig, HostConfig, JobConfig, ProtectionMode, PruneRule, SshConfig, TimestampFormat,
} from './types.js';
import { parseDuration, parseSize } from './units.js';
import { parseCompression } from './compression.js';

export const DEFAULTS = {
  sshPort: 22,
  sshUser: 'root',
  knownHosts: '~/.ssh/known_hosts',
  connectTimeout: '10s',
  keepaliveInterval: '15s',
  timestampFormat: 'dense' as TimestampFormat,
  protection: 'guarantee_resumability' as ProtectionMode,
  initial: 'most_recent' as const,
  /** one transfer at a time, as zrepl's replication.concurrency.steps (1): the load and the commands of before */
  concurrency: 1,
  bucketCapacity: '128 KiB',
  placeholderEncryption: 'inherit' as const,
  hookTimeout: '30s',
};

/** `~` and `~/x` relative to the user's home directory. */
export function expandHome(path: string, home: string = homedir()): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return path;
}

function computeSsh(s: Plain): SshConfig {
  const ssh: SshConfig = {
    host: s.host as string,
    port: (s.port as number | undefined) ?? DEFAULTS.sshPort,
    user: (s.user as string | undefined) ?? DEFAULTS.sshUser,
    knownHosts: expandHome((s.known_hosts as string | undefined) ?? DEFAULTS.knownHosts),
    connectTimeoutMs: parseDuration(s.connect_timeout ?? DEFAULTS.connectTimeout),
    keepaliveIntervalMs: parseDuration(s.keepalive_interval ?? DEFAULTS.keepaliveInterval),
  };
  if (typeof s.identity_file === 'string') ssh.identityFile = expandHome(s.identity_file);
  return ssh;
}

function computeHosts(raw: Plain | undefined): Record<string, HostConfig> {
  const hosts: Record<string, HostConfig> = { local: { name: 'local', privilege: [] } };
  for (const [name, value] of Object.entries(raw ?? {})) {
    const h = asObject(value) ?? {};
    const host: HostConfig = { name, privilege: typeof h.privilege === 'string' ? h.privilege.trim().split(/\s+/) : [] };
    const ssh = asObject(h.ssh);
    if (ssh) host.ssh = computeSsh(ssh);
    hosts[name] = host;
  }
  return hosts;
}

function computeBandwidth(raw: unknown): BandwidthLimit | undefined {
  const b = asObject(raw);
  if (!b) return undefined;
  return { maxBytesPerSecond: parseSize(b.max), bucketCapacityBytes: parseSize(b.bucket_capacity ?? DEFAULTS.bucketCapacity) };
}

function computeRule(raw: unknown): PruneRule {
  const r = asObject(raw)!;
  switch (r.type) {
    case 'grid': return { type: 'grid', grid: parseGrid(r.grid as string), gridText: r.grid as string, regex: r.regex as string };
    case 'last_n': {
      const rule: PruneRule = { type: 'last_n', count: r.count as number };
      if (typeof r.regex === 'string') rule.regex = r.regex;
      return rule;
    }
    case 'regex': return { type: 'regex', regex: r.regex as string, negate: r.negate === true };
    default: return { type: 'not_replicated', keepSnapshotAtCursor: r.keep_snapshot_at_cursor !== false };
  }
}

function computeHook(raw: unknown): HookConfig {
  const h = asObject(raw)!;
  const hook: HookConfig = { path: h.path as string, timeoutMs: parseDuration(h.timeout ?? DEFAULTS.hookTimeout), errIsFatal: h.err_is_fatal === true };
  const fs = asObject(h.filesystems);
  if (fs) hook.filesystems = { ...(fs as Record<string, boolean>) };
  return hook;
}

function computeJob(raw: unknown): JobConfig {
  const j = asObject(raw)!;
  const source = asObject(j.source)!;
  const target = asObject(j.target);
  const snap = asObject(j.snapshotting);
  const repl = asObject(j.replication) ?? {};
  const protection = asObject(repl.protection) ?? {};
  const send = asObject(j.send) ?? {};
  const recv = asObject(j.recv) ?? {};
  const recvProps = asObject(recv.properties) ?? {};
  const pruning = asObject(j.pruning) ?? {};
  const encrypted = send.encrypted === true;

  const job: JobConfig = {
    name: j.name as string,
    source: { host: (source.host as string | undefined) ?? 'local', filesystems: { ...(source.filesystems as Record<string, boolean>) } },
    replication: {
      protection: {
        initial: (protection.initial as ProtectionMode | undefined) ?? DEFAULTS.protection,
        incremental: (protection.incremental as ProtectionMode | undefined) ?? DEFAULTS.protection,
      },
      initial: (repl.initial as 'most_recent' | 'all' | undefined) ?? DEFAULTS.initial,
      allowRollback: repl.allow_rollback === true,
      followRenames: repl.follow_renames === true,
      clones: repl.clones !== false,
      concurrency: (repl.concurrency as number | undefined) ?? DEFAULTS.concurrency,
    },
    send: {
      encrypted,
      // encrypted means "only encrypted datasets, sent raw"
      raw: encrypted || send.raw === true,
      compressed: send.compressed === true,
      largeBlocks: send.large_blocks === true,
      embeddedData: send.embedded_data === true,
      properties: send.properties === true,
      backupProperties: send.backup_properties === true,
    },
    recv: {
      properties: {
        override: { ...((recvProps.override as Record<string, string> | undefined) ?? {}) },
        inherit: [...((recvProps.inherit as string[] | undefined) ?? [])],
      },
      placeholder: { encryption: (asObject(recv.placeholder)?.encryption as 'inherit' | 'off' | undefined) ?? DEFAULTS.placeholderEncryption },
    },
    pruning: {
      keepSource: (asArray(pruning.keep_source) ?? []).map(computeRule),
      keepTarget: (asArray(pruning.keep_target) ?? []).map(computeRule),
    },
  };
  if (target) job.target = { host: (target.host as string | undefined) ?? 'local', rootFs: target.root_fs as string };
  if (snap) {
    job.snapshotting = {
      prefix: snap.prefix as string,
      intervalMs: parseDuration(snap.interval),
      timestampFormat: (snap.timestamp_format as TimestampFormat | undefined) ?? DEFAULTS.timestampFormat,
    };
    const hooks = asArray(snap.hooks) ?? [];
    if (hooks.length > 0) job.snapshotting.hooks = hooks.map(computeHook);
    if (snap.skip_empty === true) job.snapshotting.skipEmptyBelow = 1;
    else if (typeof snap.skip_empty === 'string') job.snapshotting.skipEmptyBelow = parseSize(snap.skip_empty);
  }
  if (typeof repl.snapshots === 'string') job.replication.snapshots = repl.snapshots;
  const replHooks = asArray(repl.hooks) ?? [];
  if (replHooks.length > 0) job.replication.hooks = replHooks.map(computeHook);
  if (pruning.destroy_empty === true) job.pruning.destroyEmpty = true;
  if (repl.destroy_missing !== undefined) job.replication.destroyMissingMs = parseDuration(repl.destroy_missing);
  const sendLimit = computeBandwidth(send.bandwidth_limit);
  if (sendLimit) job.send.bandwidthLimit = sendLimit;
  const compression = typeof send.compression === 'string' ? parseCompression(send.compression) : null;
  if (compression) job.send.compression = compression;
  if (send.buffer !== undefined) job.send.bufferBytes = parseSize(send.buffer);
  const recvLimit = computeBandwidth(recv.bandwidth_limit);
  if (recvLimit) job.recv.bandwidthLimit = recvLimit;
  return job;
}

/** The Config of a valid config value. */
export function computeConfig(value: unknown, file: string, digest: string): Config {
  const root = asObject(value)!;
  return {
    file,
    digest,
    hosts: computeHosts(asObject(root.hosts)),
    jobs: (asArray(root.jobs) ?? []).map(computeJob),
  };
}
