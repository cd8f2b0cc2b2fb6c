// Log lines on stderr, at or above a level, each carrying the current job/dataset/step (context.ts).
import type { Writable } from 'node:stream';
import { currentStep } from './context.js';
import { LOG_LEVELS, formatLogRecord, type LogFormat, type LogLevel, type LogValue } from './log-format.js';

export type LogFields = Record<string, LogValue | undefined>;

export interface Logger {
  readonly format: LogFormat;
  enabled(level: LogLevel): boolean;
  log(level: LogLevel, msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  format: LogFormat;
  level: LogLevel;
  stream: Writable;
  clock: () => Date;
}

export function createLogger(opts: LoggerOptions): Logger {
  const min = LOG_LEVELS.indexOf(opts.level);
  const enabled = (level: LogLevel) => LOG_LEVELS.indexOf(level) >= min;
  const log = (level: LogLevel, msg: string, fields: LogFields = {}) => {
    if (!enabled(level)) return;
    const ctx = currentStep();
    // The record's own fields win over the context (an apply event names its step itself).
    const all: LogFields = { job: ctx.job, dataset: ctx.dataset ?? undefined, step: ctx.step, ...fields };
    opts.stream.write(formatLogRecord({ time: opts.clock(), level, msg, fields: all }, opts.format) + '\n');
  };
  return {
    format: opts.format,
    enabled,
    log,
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
  };
}
