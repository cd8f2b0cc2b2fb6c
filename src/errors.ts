// The closed set of zform's error kinds and the one place that maps them to exit codes.

/** Exit codes, documented in README and man/zform.1. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  changes: 2,
  usage: 64,
  tempfail: 75,
  config: 78,
  sighup: 129,
  sigint: 130,
  sigterm: 143,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export type ErrorKind = 'usage' | 'config' | 'zfs' | 'ssh' | 'stale_plan' | 'locked' | 'internal';

/** A user-facing error: one line (`shortMessage`), optional detail lines, and a cause. */
export class ZformError extends Error {
  readonly kind: ErrorKind;
  readonly shortMessage: string;
  readonly details: string[];
  constructor(kind: ErrorKind, shortMessage: string, opts: { details?: string[]; cause?: unknown } = {}) {
    super([shortMessage, ...(opts.details ?? [])].join('\n'), { cause: opts.cause });
    this.name = 'ZformError';
    this.kind = kind;
    this.shortMessage = shortMessage;
    this.details = opts.details ?? [];
  }
}

export class UsageError extends ZformError {
  constructor(msg: string, opts: { details?: string[]; cause?: unknown } = {}) { super('usage', msg, opts); this.name = 'UsageError'; }
}

/** One configuration problem, with its place in the file. */
export interface ConfigIssue {
  file: string;
  line: number;
  column: number;
  /** Key path like `jobs[0].target.root_fs` */
  path: string;
  message: string;
}

export function formatConfigIssue(i: ConfigIssue): string {
  return `${i.file}:${i.line}:${i.column}: ${i.path ? i.path + ': ' : ''}${i.message}`;
}

/** All problems of a configuration file at once. */
export class ConfigError extends ZformError {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[]) {
    const lines = issues.map(formatConfigIssue);
    super('config', lines[0] ?? 'invalid configuration', { details: lines.slice(1) });
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

export class LockedError extends ZformError {
  constructor(msg: string) { super('locked', msg); this.name = 'LockedError'; }
}

export class StalePlanError extends ZformError {
  constructor(msg: string, details: string[] = []) { super('stale_plan', msg, { details }); this.name = 'StalePlanError'; }
}

/** Maps any thrown value to an exit code. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof ZformError) {
    switch (err.kind) {
      case 'usage': return ExitCode.usage;
      case 'config': return ExitCode.config;
      case 'locked': return ExitCode.tempfail;
      default: return ExitCode.failure;
    }
  }
  return ExitCode.failure;
}
