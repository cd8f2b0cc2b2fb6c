// A configuration problem before it has a place in the file: a key path and which node it is about.

/** Keys and list indexes from the document root, e.g. ["jobs", 0, "target", "root_fs"]. */
export type KeyPath = readonly (string | number)[];

export interface Position { line: number; column: number }

export interface RawIssue {
  path: KeyPath;
  /** `value`: the node at path (a missing key: the mapping that lacks it); `key`: the key of the last segment */
  at: 'value' | 'key';
  message: string;
  /** the path to show, when it differs from `path` (e.g. an unknown key is shown under its parent) */
  shownPath?: KeyPath;
  /** a known position (YAML syntax errors) */
  position?: Position;
}

const PLAIN_SEGMENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `jobs[0].target.root_fs`, `jobs[0].source.filesystems["tank/data<"]`, `hosts.nas.ssh`. */
export function formatKeyPath(path: KeyPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (PLAIN_SEGMENT.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}
