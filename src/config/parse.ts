// parseConfig: YAML text → validated, normalised Config, or a ConfigError listing every problem.
import { createHash } from 'node:crypto';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { checkJobsTogether } from './check-cross.js';
import { checkHosts, checkJob } from './check-job.js';
import { formatKeyPath, type KeyPath, type RawIssue } from './issue.js';
import { computeConfig } from './normalize.js';
import { asArray, asObject } from './plain.js';
import { validateConfigSchema } from './schema.js';
import type { Config } from './types.js';
import { parseYamlSource } from './yaml-source.js';

/** Semantic problems of a config value (run even when the schema found problems). */
export function computeSemanticIssues(value: unknown): RawIssue[] {
  const issues: RawIssue[] = [];
  const report = (path: KeyPath, message: string, at: 'value' | 'key' = 'value'): void => {
    issues.push({ path, at, message });
  };
  const root = asObject(value);
  checkHosts(root, report);
  asArray(root?.jobs)?.forEach((job, i) => checkJob(job, i, root, report));
  checkJobsTogether(root?.jobs, report);
  return issues;
}

/** Parses and validates `text` (the contents of `file`); throws ConfigError with every issue, by line and column. */
export function parseConfig(text: string, file: string): Config {
  const source = parseYamlSource(text);
  const raw = [...source.issues];
  // after a syntax error the document is not what the user meant: report only what YAML said
  const syntaxErrors = source.issues.some((i) => i.position !== undefined);
  if (!syntaxErrors) raw.push(...validateConfigSchema(source.value), ...computeSemanticIssues(source.value));
  if (raw.length > 0) {
    const seen = new Set<string>();
    const issues: ConfigIssue[] = [];
    for (const r of raw) {
      const pos = r.position ?? source.locate(r.path, r.at);
      const issue: ConfigIssue = { file, line: pos.line, column: pos.column, path: formatKeyPath(r.shownPath ?? r.path), message: r.message };
      const key = `${issue.line}:${issue.column}:${issue.path}:${issue.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      issues.push(issue);
    }
    issues.sort((a, b) => a.line - b.line || a.column - b.column);
    throw new ConfigError(issues);
  }
  const digest = createHash('sha256').update(text, 'utf8').digest('hex');
  return computeConfig(source.value, file, digest);
}
