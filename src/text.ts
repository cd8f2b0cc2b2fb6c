// Small text helpers shared by the plan's messages and the views.

/** `1 snapshot`, `2 snapshots` */
export function plural(n: number, one: string, many = one + 's'): string { return `${n} ${n === 1 ? one : many}`; }

/** A name on a host as zform prints it: bare on the local host, `host:name` elsewhere. */
export function onHost(host: string, name: string): string { return host === 'local' ? name : `${host}:${name}`; }
