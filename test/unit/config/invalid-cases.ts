// The table of invalid configurations: each with every issue, its exact line:column, key path and message.
import { y } from '../../support/config.js';

// a job header most cases build on: source tank< on local, target backup on local
const HEAD = ['jobs:', '  - name: j', '    source:', '      filesystems: { "tank<": true }'];

export const INVALID_CASES: { name: string; yaml: string; issues: string[] }[] = [
  {
    name: 'unknown key, with the key it resembles',
    yaml: y(...HEAD, '    target: { root_fs: backup }', '    send:', '      bandwith_limit: { max: 1 MiB }'),
    issues: ['zform.yml:7:7: jobs[0].send: unknown key "bandwith_limit" (did you mean "bandwidth_limit"?)'],
  },
  {
    name: 'unknown key from zrepl, with where it lives in zform',
    yaml: y(...HEAD, '    target: { root_fs: backup }', '    pruning:', '      keep_sender: []'),
    issues: ['zform.yml:7:7: jobs[0].pruning: unknown key "keep_sender" (did you mean "keep_source"?)'],
  },
  {
    name: 'zrepl job type',
    yaml: y('jobs:', '  - name: j', '    type: push', '    source: { filesystems: { "tank<": true } }', '    target: { root_fs: backup }'),
    issues: ['zform.yml:3:5: jobs[0]: unknown key "type" (zform jobs have no type: a job with a target replicates, a job without one only snapshots and prunes)'],
  },
  {
    name: 'an unknown key named like a property of every JavaScript object gets no hint from it',
    yaml: y(...HEAD, '    target: { root_fs: backup }', '    constructor: 1', '    toString: 1'),
    issues: [
      'zform.yml:6:5: jobs[0]: unknown key "constructor" (expected one of: name, source, target, snapshotting, replication, send, recv, pruning)',
      'zform.yml:7:5: jobs[0]: unknown key "toString" (expected one of: name, source, target, snapshotting, replication, send, recv, pruning)',
    ],
  },
  {
    name: 'YAML 1.1 tags (binary, ordered map, set) are refused where they stand, not read as empty mappings',
    yaml: y('!!binary aGVsbG8='),
    issues: ['zform.yml:1:1: YAML tag "!!binary" is not supported: a configuration holds plain mappings, lists, strings, numbers and booleans (remove the tag)'],
  },
  {
    name: 'an ordered map hiding a recv override',
    yaml: y(...HEAD, '    target: { root_fs: backup }', '    recv: !!omap [ { properties: { override: { readonly: "on" } } } ]'),
    issues: ['zform.yml:6:11: YAML tag "!!omap" is not supported: a configuration holds plain mappings, lists, strings, numbers and booleans (remove the tag)'],
  },
  {
    name: 'an SSH host or user with a space or a control character (it would split every message naming it)',
    yaml: y('hosts:', '  nas: { ssh: { host: "nas\\nforged: line", user: "a b" } }', 'jobs:', '  - name: j', '    source: { filesystems: { "tank<": true } }', '    target: { host: nas, root_fs: backup }'),
    issues: [
      'zform.yml:2:23: hosts.nas.ssh.host: must be one word, without spaces or control characters, not "nas\\nforged: line"',
      'zform.yml:2:50: hosts.nas.ssh.user: must be one word, without spaces or control characters, not "a b"',
    ],
  },
  {
    name: 'unknown top-level key lists the allowed ones',
    yaml: y('hosts: {}', 'jbos: []'),
    issues: [
      'zform.yml:1:1: missing required key "jobs"',
      'zform.yml:2:1: unknown key "jbos" (did you mean "jobs"?)',
    ],
  },
  {
    name: 'empty file',
    yaml: '',
    issues: ['zform.yml:1:1: the file is empty: a configuration needs at least a "jobs" list'],
  },
  {
    name: 'not a mapping at the top',
    yaml: y('- name: j'),
    issues: ['zform.yml:1:1: the configuration must be a mapping with a "jobs" list'],
  },
  {
    name: 'no jobs',
    yaml: y('jobs: []'),
    issues: ['zform.yml:1:7: jobs: must list at least one job'],
  },
  {
    name: 'missing required keys point at the mapping that lacks them',
    yaml: y('jobs:', '  - name: j', '    source:', '      host: local', '    target:', '      host: local'),
    issues: [
      'zform.yml:4:7: jobs[0].source: missing required key "filesystems"',
      'zform.yml:6:7: jobs[0].target: missing required key "root_fs"',
    ],
  },
  {
    name: 'an empty section is not a mapping',
    yaml: y(...HEAD, '    target:'),
    issues: ['zform.yml:5:5: jobs[0].target: must be a mapping'],
  },
  {
    name: 'wrong types: string, boolean, list, whole number',
    yaml: y(
      'hosts:', '  nas:', '    ssh: { host: nas, port: "22" }',
      'jobs:', '  - name: 7', '    source:', '      filesystems: { "tank<": yes }', '    target: { host: nas, root_fs: backup }',
      '    recv: { properties: { inherit: mountpoint } }',
    ),
    issues: [
      'zform.yml:3:29: hosts.nas.ssh.port: must be a whole number (write it without quotes)',
      'zform.yml:5:11: jobs[0].name: must be a string (quote it: "7")',
      'zform.yml:7:31: jobs[0].source.filesystems["tank<"]: must be true or false',
      'zform.yml:9:36: jobs[0].recv.properties.inherit: must be a list',
    ],
  },
  {
    name: 'protection mode not one of the three',
    yaml: y(...HEAD, '    target: { root_fs: backup }', '    replication:', '      protection: { initial: guarantee_resumeability }'),
    issues: ['zform.yml:7:30: jobs[0].replication.protection.initial: must be one of: guarantee_resumability, guarantee_incremental, guarantee_nothing (did you mean "guarantee_resumability"?)'],
  },
  {
    name: 'durations: combined units, zero, bare number',
    yaml: y(
      'hosts:', '  nas:', '    ssh: { host: nas, connect_timeout: 0s, keepalive_interval: 30 }',
      ...HEAD, '    snapshotting: { prefix: zform_, interval: 1h30m }',
    ),
    issues: [
      'zform.yml:3:40: hosts.nas.ssh.connect_timeout: must be greater than zero',
      'zform.yml:3:64: hosts.nas.ssh.keepalive_interval: must be a duration like "15m", "1h" or "7d" (a whole number followed by s, m, h, d or w)',
      'zform.yml:8:47: jobs[0].snapshotting.interval: must be a duration like "15m", "1h" or "7d" (a whole number followed by s, m, h, d or w), not "1h30m"',
    ],
  },
  {
    name: 'bandwidth limits: negative max, zero bucket, unknown unit',
    yaml: y(
      ...HEAD, '    target: { root_fs: backup }',
      '    send: { bandwidth_limit: { max: -1 B, bucket_capacity: 0 KiB } }',
      '    recv: { bandwidth_limit: { max: 50 mb } }',
    ),
    issues: [
      'zform.yml:6:37: jobs[0].send.bandwidth_limit.max: must be greater than zero',
      'zform.yml:6:60: jobs[0].send.bandwidth_limit.bucket_capacity: must be greater than zero',
      'zform.yml:7:37: jobs[0].recv.bandwidth_limit.max: must be a size like "50 MiB" or "128 KiB" (a number followed by B, KiB, MiB, GiB, TiB, kB, KB, MB, GB or TB), not "50 mb"',
    ],
  },
  {
    name: 'replication.destroy_missing not a duration, follow_renames and clones not booleans',
    yaml: y(...HEAD, '    target: { root_fs: backup }', '    replication:', '      destroy_missing: 30 days', '      follow_renames: yes please', '      clones: no'),
    issues: [
      'zform.yml:7:24: jobs[0].replication.destroy_missing: must be a duration like "15m", "1h" or "7d" (a whole number followed by s, m, h, d or w), not "30 days"',
      'zform.yml:8:23: jobs[0].replication.follow_renames: must be true or false',
      'zform.yml:9:15: jobs[0].replication.clones: must be true or false',
    ],
  },
  {
    name: 'send.compression: an unknown program, a level out of range; send.buffer not a size',
    yaml: y(
      ...HEAD, '    target: { root_fs: backup }',
      '    send: { compression: xz, buffer: lots }',
      '  - name: k',
      '    source: { filesystems: { "data<": true } }',
      '    target: { root_fs: other/k }',
      '    send: { compression: "zstd:22", buffer: 0 MiB }',
    ),
    issues: [
      'zform.yml:6:26: jobs[0].send.compression: must be none, zstd, lz4, gzip, or one of those with a level (e.g. "zstd:3"), not "xz"',
      'zform.yml:6:38: jobs[0].send.buffer: must be a size like "50 MiB" or "128 KiB" (a number followed by B, KiB, MiB, GiB, TiB, kB, KB, MB, GB or TB), not "lots"',
      'zform.yml:10:26: jobs[1].send.compression: zstd levels go from 1 to 19, not 22',
      'zform.yml:10:45: jobs[1].send.buffer: must be greater than zero',
    ],
  },
  {
    name: 'bandwidth limit without max',
    yaml: y(...HEAD, '    target: { root_fs: backup }', '    send: { bandwidth_limit: { bucket_capacity: 1 MiB } }'),
    issues: ['zform.yml:6:30: jobs[0].send.bandwidth_limit: missing required key "max"'],
  },
  {
    name: 'duplicate job names',
    yaml: y(...HEAD, '    target: { root_fs: backup/a }', '  - name: j', '    source: { filesystems: { "data<": true } }', '    target: { root_fs: backup/b }'),
    issues: ['zform.yml:6:11: jobs[1].name: duplicate job name "j" (also jobs[0]): job names must be unique'],
  },
  {
    name: 'job name with a character ZFS names cannot hold',
    yaml: y('jobs:', '  - name: tank/to/nas', '    source: { filesystems: { "tank<": true } }', '    target: { root_fs: backup }'),
    issues: ['zform.yml:2:11: jobs[0].name: "tank/to/nas" cannot be used in ZFS bookmark names and hold tags: invalid character \'/\' in name (allowed: letters, digits, "_", "-", ".", ":" and space)'],
  },
  {
    name: 'job name too long for the tentative cursor bookmark',
    yaml: y('jobs:', `  - name: ${'j'.repeat(213)}`, '    source: { filesystems: { "tank<": true } }', '    target: { root_fs: backup }'),
    issues: ['zform.yml:2:11: jobs[0].name: is too long (213 bytes): the tentative cursor bookmark name "zform_CURSORTENTATIVE_G_<16 hex>_J_<job>" would exceed 255 bytes; use at most 212 bytes'],
  },
  {
    name: 'empty job name',
    yaml: y('jobs:', '  - name: ""', '    source: { filesystems: { "tank<": true } }', '    target: { root_fs: backup }'),
    issues: ['zform.yml:2:11: jobs[0].name: must not be empty'],
  },
  {
    name: 'root_fs not a dataset name',
    yaml: y(...HEAD, '    target: { root_fs: backup/ }'),
    issues: ['zform.yml:5:24: jobs[0].target.root_fs: invalid dataset name "backup/": trailing slash in name'],
  },
  {
    name: 'root_fs with a snapshot part',
    yaml: y(...HEAD, '    target: { root_fs: "backup@x" }'),
    issues: ['zform.yml:5:24: jobs[0].target.root_fs: invalid dataset name "backup@x": \'@\' or \'#\' in a dataset name'],
  },
  {
    name: 'filter patterns: "<" in the middle, invalid dataset, empty',
    yaml: y('jobs:', '  - name: j', '    source:', '      filesystems:', '        "tank<x": true', '        "tank/a b/..<": true', '        "": false', '    target: { root_fs: backup }'),
    issues: [
      'zform.yml:5:9: jobs[0].source.filesystems["tank<x"]: invalid filter pattern "tank<x": "<" is allowed only once, at the end',
      'zform.yml:6:9: jobs[0].source.filesystems["tank/a b/..<"]: invalid dataset name "tank/a b/.." in filter pattern: \'.\' or \'..\' component in name',
      'zform.yml:7:9: jobs[0].source.filesystems[""]: empty filter pattern (use "<" to match every dataset)',
    ],
  },
  {
    name: 'a filter that selects nothing',
    yaml: y('jobs:', '  - name: j', '    source:', '      filesystems: { "tank<": false }', '    target: { root_fs: backup }'),
    issues: ['zform.yml:4:20: jobs[0].source.filesystems: selects nothing: every pattern is false (a dataset is selected only by a pattern that is true)'],
  },
  {
    name: 'target roots of two jobs overlap on the same host',
    yaml: y(...HEAD, '    target: { root_fs: backup/tank }', '  - name: k', '    source: { filesystems: { "data<": true } }', '    target: { root_fs: backup }'),
    issues: ['zform.yml:8:24: jobs[1].target.root_fs: "backup" overlaps root_fs "backup/tank" of job "j" (jobs[0]) on host "local": the target roots of two jobs must not contain each other'],
  },
  {
    name: 'a source filter selects what another job receives',
    yaml: y(
      'hosts:', '  nas: { ssh: { host: nas } }',
      'jobs:', '  - name: j', '    source: { host: nas, filesystems: { "<": true } }', '    target: { root_fs: backup }',
      '  - name: k', '    source: { filesystems: { "tank<": true } }', '    target: { host: nas, root_fs: pool/in }',
    ),
    issues: ['zform.yml:5:39: jobs[0].source.filesystems: selects datasets in root_fs "pool/in" of job "k" (jobs[1]) on host "nas": a job must not send or snapshot what another job receives (exclude it with "pool/in<": false)'],
  },
  {
    name: 'a source filter selects the job\'s own target root',
    yaml: y('jobs:', '  - name: j', '    source:', '      filesystems: { "tank<": true }', '    target: { root_fs: tank/backup }'),
    issues: ['zform.yml:4:20: jobs[0].source.filesystems: selects datasets in this job\'s own root_fs "tank/backup" on host "local": the job would replicate its own replicas (exclude it with "tank/backup<": false)'],
  },
  {
    name: 'a host no one defined',
    yaml: y('hosts:', '  nas: { ssh: { host: nas } }', ...HEAD, '    target: { host: nsa, root_fs: backup }'),
    issues: ['zform.yml:7:21: jobs[0].target.host: unknown host "nsa" (known: local, nas; define it under hosts)'],
  },
  {
    name: 'the built-in local host with ssh, another host without',
    yaml: y('hosts:', '  local:', '    ssh: { host: localhost }', '  nas:', '    privilege: sudo -n', ...HEAD, '    target: { host: nas, root_fs: backup }'),
    issues: [
      'zform.yml:3:5: hosts.local.ssh: the built-in host "local" is this machine and cannot have ssh: give the SSH host another name',
      'zform.yml:5:5: hosts.nas: missing required key "ssh" (every host except "local" is reached over SSH)',
    ],
  },
  {
    name: 'host settings: bad name, empty privilege, relative key path, port out of range',
    yaml: y('hosts:', '  "my nas":', '    privilege: "  "', '    ssh: { host: nas, port: 70000, identity_file: id_ed25519 }', ...HEAD),
    issues: [
      'zform.yml:2:3: hosts["my nas"]: host name "my nas" may contain only letters, digits, "_", "-" and "." (and must not start with "." or "-")',
      'zform.yml:3:16: hosts["my nas"].privilege: must not be empty (omit privilege to run zfs directly)',
      'zform.yml:4:29: hosts["my nas"].ssh.port: must be at most 65535',
      'zform.yml:4:51: hosts["my nas"].ssh.identity_file: must be an absolute path or start with "~/", not "id_ed25519"',
      'zform.yml:6:5: jobs[0]: does nothing: it has no target, no snapshotting and no keep_source rules',
    ],
  },
  {
    name: 'dataset names that would read as options, or whose pool does not begin with a letter',
    yaml: y('jobs:', '  - name: j', '    source:', '      filesystems: { "-Rf<": true, "tank/-x": true, "1tank": true }', '    target: { root_fs: "-nvx" }'),
    issues: [
      'zform.yml:4:22: jobs[0].source.filesystems["-Rf<"]: invalid dataset name "-Rf" in filter pattern: the pool name must begin with a letter',
      'zform.yml:4:36: jobs[0].source.filesystems["tank/-x"]: invalid dataset name "tank/-x" in filter pattern: component "-x" begins with "-" (it would read as an option)',
      'zform.yml:4:53: jobs[0].source.filesystems["1tank"]: invalid dataset name "1tank" in filter pattern: the pool name must begin with a letter',
      'zform.yml:5:24: jobs[0].target.root_fs: invalid dataset name "-nvx": the pool name must begin with a letter',
    ],
  },
  {
    name: 'regexes that do not compile',
    yaml: y(...HEAD, '    target: { root_fs: backup }', '    replication: { snapshots: "^(zf)_\\\\1" }', '    pruning:',
      '      keep_source: [ { type: regex, regex: "zform_(" }, { type: last_n, count: 1, regex: "^(?=zf)" } ]'),
    issues: [
      'zform.yml:6:31: jobs[0].replication.snapshots: invalid regular expression "^(zf)_\\1": invalid escape sequence: `\\1` (RE2 syntax: no backreferences or lookaround)',
      'zform.yml:8:44: jobs[0].pruning.keep_source[0].regex: invalid regular expression "zform_(": missing closing ): `zform_(`',
      'zform.yml:8:90: jobs[0].pruning.keep_source[1].regex: invalid regular expression "^(?=zf)": invalid or unsupported Perl syntax: `(?=` (RE2 syntax: no backreferences or lookaround)',
    ],
  },
  {
    name: 'grids: bad keep, decreasing durations, missing regex',
    yaml: y(
      ...HEAD, '    target: { root_fs: backup }', '    pruning:', '      keep_target:',
      '        - { type: grid, grid: "1x1h(keep=0) | 24x1h", regex: "^z" }',
      '        - { type: grid, grid: "24x1d | 7x1h", regex: "^z" }',
      '        - { type: grid, grid: "24x1h" }',
    ),
    issues: [
      'zform.yml:8:31: jobs[0].pruning.keep_target[0].grid: cannot parse interval 1 of 2 ("1x1h(keep=0)"): keep must be a whole number of at least 1 or "all", not "0"',
      'zform.yml:9:31: jobs[0].pruning.keep_target[1].grid: interval 2 ("7x1h") is shorter than interval 1 ("24x1d"): interval durations must not decrease',
      'zform.yml:10:11: jobs[0].pruning.keep_target[2]: missing required key "regex"',
    ],
  },
  {
    name: 'grid with a duration zform does not accept',
    yaml: y(...HEAD, '    target: { root_fs: backup }', '    pruning:', '      keep_target: [ { type: grid, grid: "1 x 90min", regex: "^z" } ]'),
    issues: ['zform.yml:7:42: jobs[0].pruning.keep_target[0].grid: cannot parse interval 1 of 1 ("1 x 90min"): the duration must be a duration like "15m", "1h" or "7d" (a whole number followed by s, m, h, d or w), not "90min"'],
  },
  {
    name: 'not_replicated on the target side',
    yaml: y(...HEAD, '    target: { root_fs: backup }', '    pruning:', '      keep_target: [ { type: not_replicated } ]'),
    issues: ['zform.yml:7:30: jobs[0].pruning.keep_target[0].type: not_replicated is a keep_source rule: it keeps source snapshots newer than the replication cursor, which only the source has'],
  },
  {
    name: 'not_replicated in a job without target',
    yaml: y(...HEAD, '    pruning:', '      keep_source: [ { type: not_replicated } ]'),
    issues: ['zform.yml:6:30: jobs[0].pruning.keep_source[0].type: not_replicated needs a target: a job without target replicates nothing, so this rule would keep every snapshot'],
  },
  {
    name: 'replication settings in a job without target',
    yaml: y(...HEAD, '    snapshotting: { prefix: zform_, interval: 1h }', '    replication: { initial: all }', '    send: { compressed: true }', '    pruning:', '      keep_target: [ { type: last_n, count: 3 } ]'),
    issues: [
      'zform.yml:6:5: jobs[0].replication: only allowed with a target: this job has no target, so it only snapshots and prunes (add target or remove replication)',
      'zform.yml:7:5: jobs[0].send: only allowed with a target: this job has no target, so it only snapshots and prunes (add target or remove send)',
      'zform.yml:9:7: jobs[0].pruning.keep_target: only allowed with a target: this job has no target, so there is nothing to prune there (add target or remove keep_target)',
    ],
  },
  {
    name: 'a job that does nothing',
    yaml: y(...HEAD, '    pruning: { keep_source: [] }'),
    issues: ['zform.yml:2:5: jobs[0]: does nothing: it has no target, no snapshotting and no keep_source rules'],
  },
  {
    name: 'prune rules: unknown type, zero count, missing type, unknown key',
    yaml: y(
      ...HEAD, '    target: { root_fs: backup }', '    pruning:', '      keep_source:',
      '        - { type: keep_all }', '        - { type: last_n, count: 0 }', '        - { regex: "^z" }', '        - { type: regex, regex: "^z", invert: true }',
    ),
    issues: [
      'zform.yml:8:19: jobs[0].pruning.keep_source[0].type: must be one of: grid, last_n, regex, not_replicated',
      'zform.yml:9:34: jobs[0].pruning.keep_source[1].count: must be at least 1',
      'zform.yml:10:11: jobs[0].pruning.keep_source[2]: missing required key "type"',
      'zform.yml:11:39: jobs[0].pruning.keep_source[3]: unknown key "invert" (expected one of: type, regex, negate)',
    ],
  },
  {
    name: 'raw sends cannot change encryption properties on receive',
    yaml: y(...HEAD, '    target: { root_fs: backup }', '    send: { encrypted: true }', '    recv:', '      properties: { override: { keylocation: "file:///k" }, inherit: [encryption] }'),
    issues: [
      'zform.yml:8:33: jobs[0].recv.properties.override.keylocation: "keylocation" cannot be set or inherited on receive because the stream is raw (send.raw or send.encrypted): OpenZFS refuses to change encryption properties of raw streams',
      'zform.yml:8:71: jobs[0].recv.properties.inherit[0]: "encryption" cannot be set or inherited on receive because the stream is raw (send.raw or send.encrypted): OpenZFS refuses to change encryption properties of raw streams',
    ],
  },
  {
    name: 'receive properties: both overridden and inherited, not a property, zform\'s own, unquoted number',
    yaml: y(
      ...HEAD, '    target: { root_fs: backup }', '    recv:', '      properties:',
      '        override: { readonly: "on", "bad prop": x, "zform:placeholder": "off", copies: 2 }', '        inherit: [readonly]',
    ),
    issues: [
      'zform.yml:8:37: jobs[0].recv.properties.override["bad prop"]: "bad prop" is not a ZFS property name',
      'zform.yml:8:52: jobs[0].recv.properties.override["zform:placeholder"]: "zform:placeholder" is managed by zform and cannot be set or inherited',
      'zform.yml:8:88: jobs[0].recv.properties.override.copies: must be a string (quote it: "2")',
      'zform.yml:9:19: jobs[0].recv.properties.inherit[0]: "readonly" is both overridden and inherited: choose one',
    ],
  },
  {
    name: 'origin on receive: zform\'s to set, for clones only',
    yaml: y(...HEAD, '    target: { root_fs: backup }', '    recv:', '      properties: { override: { origin: "backup/t@s" } }'),
    issues: [
      'zform.yml:7:33: jobs[0].recv.properties.override.origin: "origin" cannot be set or inherited on receive: zform receives a source clone as a clone of its origin\'s replica by itself',
    ],
  },
  {
    name: 'a prefix that makes invalid snapshot names',
    yaml: y(...HEAD, '    snapshotting: { prefix: "zform/", interval: 1h, timestamp_format: human }'),
    issues: ['zform.yml:5:29: jobs[0].snapshotting.prefix: makes invalid snapshot names such as "zform/2006-01-02_15:04:05": invalid character \'/\' in name'],
  },
  {
    name: 'timestamp format not known',
    yaml: y(...HEAD, '    snapshotting: { prefix: zform_, interval: 1h, timestamp_format: rfc3339 }'),
    issues: ['zform.yml:5:69: jobs[0].snapshotting.timestamp_format: must be one of: dense, human, iso-8601, unix-seconds'],
  },
  {
    name: 'YAML syntax error',
    yaml: y('jobs:', '  - name: j', '    source: { filesystems: { "tank<": true }', '    target: x'),
    issues: ['zform.yml:4:5: YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }'],
  },
  {
    name: 'duplicate keys',
    yaml: y(...HEAD, '    target: { root_fs: backup }', '    target: { root_fs: backup2 }'),
    issues: ['zform.yml:6:5: jobs[0]: duplicate key "target" (first at line 5)'],
  },
  {
    name: 'two YAML documents',
    yaml: y(...HEAD, '    target: { root_fs: backup }', '---', 'jobs: []'),
    issues: ['zform.yml:6:1: YAML syntax error: the file must hold a single YAML document (remove the second "---")'],
  },
  {
    name: 'every problem of a file at once, in file order',
    yaml: y(
      'jobs:',
      '  - name: a',
      '    source: { filesystems: { "tank<": true } }',
      '    target: { root_fs: backup, hots: x }',
      '    snapshotting: { prefix: z, interval: 5 }',
      '  - name: a',
      '    source: { host: far, filesystems: { "data<": true } }',
      '    target: { root_fs: backup/data }',
    ),
    issues: [
      'zform.yml:4:32: jobs[0].target: unknown key "hots" (did you mean "host"?)',
      'zform.yml:5:42: jobs[0].snapshotting.interval: must be a duration like "15m", "1h" or "7d" (a whole number followed by s, m, h, d or w)',
      'zform.yml:6:11: jobs[1].name: duplicate job name "a" (also jobs[0]): job names must be unique',
      'zform.yml:7:21: jobs[1].source.host: unknown host "far" (known: local; define it under hosts)',
      'zform.yml:8:24: jobs[1].target.root_fs: "backup/data" overlaps root_fs "backup" of job "a" (jobs[0]) on host "local": the target roots of two jobs must not contain each other',
    ],
  },
];

