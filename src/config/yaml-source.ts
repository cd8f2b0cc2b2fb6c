// The config's YAML document: its plain value, its syntax problems, and the line:column of any key path.
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import type { KeyPath, Position, RawIssue } from './issue.js';

export interface YamlSource {
  /** the plain JS value (undefined when the file has syntax errors) */
  value: unknown;
  /** YAML syntax errors and duplicate keys */
  issues: RawIssue[];
  /** line:column of the node at `path` (`key`: of its key); the deepest existing ancestor when absent */
  locate(path: KeyPath, at: 'value' | 'key'): Position;
}

type AnyNode = Node | null | undefined;

/** A mapping key as the plain value's property name; null for collection keys. */
function keyString(key: unknown): string | null {
  return isScalar(key) ? String(key.value) : null;
}

function syntaxMessage(code: string, message: string): string {
  if (code === 'MULTIPLE_DOCS') return 'YAML syntax error: the file must hold a single YAML document (remove the second "---")';
  if (code === 'TAB_AS_INDENT') return 'YAML syntax error: tabs cannot be used for indentation';
  if (code === 'TAG_RESOLVE_FAILED') {
    const tag = /tag: (\S+)/.exec(message)?.[1]?.replace(/^tag:yaml\.org,2002:/, '!!') ?? 'this tag';
    return `YAML tag ${JSON.stringify(tag)} is not supported: a configuration holds plain mappings, lists, strings, numbers and booleans (remove the tag)`;
  }
  return `YAML syntax error: ${message}`;
}

/** Parses `text` (YAML 1.2 core schema, no merge keys, no YAML 1.1 tags such as !!binary, !!omap or !!set: their
 *  values are no plain mappings, and would pass the schema check as empty ones) without throwing. */
export function parseYamlSource(text: string): YamlSource {
  const lineCounter = new LineCounter();
  // logLevel 'error': yaml would otherwise print warnings (e.g. about collection keys) to the process's stderr
  const doc: Document.Parsed = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, merge: false, resolveKnownTags: false, logLevel: 'error' });
  const toPosition = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const issues: RawIssue[] = [];
  for (const e of [...doc.errors, ...doc.warnings]) {
    issues.push({ path: [], at: 'value', message: syntaxMessage(e.code, e.message), position: toPosition(e.pos[0]) });
  }
  const hasSyntaxErrors = doc.errors.length > 0;
  if (!hasSyntaxErrors) issues.push(...keyIssues(doc, toPosition));

  let value: unknown;
  if (!hasSyntaxErrors) {
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      issues.push({ path: [], at: 'value', message: `YAML error: ${err instanceof Error ? err.message : String(err)}`, position: { line: 1, column: 1 } });
    }
  }
  return { value: hasSyntaxErrors ? undefined : value, issues, locate: (path, at) => locate(doc, toPosition, path, at) };
}

function deref(doc: Document.Parsed, node: AnyNode): AnyNode {
  return isAlias(node) ? (node.resolve(doc) as AnyNode) : node;
}

/** Keys that are not plain strings, and duplicate keys: the later one is reported, at its own position. */
function keyIssues(doc: Document.Parsed, toPosition: (offset: number) => Position): RawIssue[] {
  const issues: RawIssue[] = [];
  const seen = new Set<Node>();
  const walk = (node: AnyNode, path: (string | number)[]): void => {
    node = deref(doc, node);
    if (!node || seen.has(node)) return;
    seen.add(node);
    if (isMap(node)) {
      const first = new Map<string, Position>();
      for (const pair of node.items) {
        const k = keyString(pair.key);
        if (k === null && pair.key) {
          issues.push({ path, at: 'value', message: 'keys must be plain strings, not lists or mappings', position: toPosition((pair.key as Node).range?.[0] ?? 0) });
        }
        if (k !== null) {
          const keyPos = toPosition((pair.key as Node).range?.[0] ?? 0);
          const prev = first.get(k);
          if (prev) issues.push({ path: [...path, k], at: 'key', shownPath: path, message: `duplicate key "${k}" (first at line ${prev.line})` });
          else first.set(k, keyPos);
          walk(pair.value as AnyNode, [...path, k]);
        }
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item as AnyNode, [...path, i]));
    }
  };
  walk(doc.contents as AnyNode, []);
  return issues;
}

/** Where the value (or key) at `path` stands in the text; as near as the path exists. */
function locate(doc: Document.Parsed, toPosition: (offset: number) => Position, path: KeyPath, at: 'value' | 'key'): Position {
  let node: AnyNode = doc.contents as AnyNode;
  let pos: Position = node?.range ? toPosition(node.range[0]) : { line: 1, column: 1 };
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    node = deref(doc, node);
    const last = i === path.length - 1;
    if (isMap(node)) {
      // toJS keeps the last of duplicate keys, so locate that one
      const pair = [...node.items].reverse().find((p) => keyString(p.key) === String(seg));
      if (!pair) return pos;
      const keyPos = toPosition((pair.key as Node).range?.[0] ?? 0);
      if (last && at === 'key') return keyPos;
      const v = deref(doc, pair.value as AnyNode);
      // `key:` with nothing after it: point at the key
      if (!v || !v.range || (isScalar(v) && v.value === null && v.range[0] === v.range[1])) {
        pos = keyPos;
        node = v;
        continue;
      }
      pos = toPosition(v.range[0]);
      node = v;
    } else if (isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
      const v = deref(doc, node.items[seg] as AnyNode);
      if (!v?.range) return pos;
      pos = toPosition(v.range[0]);
      node = v;
    } else {
      return pos;
    }
  }
  return pos;
}
