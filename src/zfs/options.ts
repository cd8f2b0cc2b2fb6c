// What the zfs layer needs to reach a host and pace a stream. Its own types: the config maps onto them
// (src/config/types.ts), src/zfs imports nothing from src/config.

/** How to reach a host over SSH. */
export interface SshOptions {
  host: string;
  port: number;              // default 22
  user: string;              // default "root"
  identityFile?: string;     // else SSH_AUTH_SOCK agent
  knownHosts: string;        // default ~/.ssh/known_hosts
  connectTimeoutMs: number;  // default 10s
  keepaliveIntervalMs: number; // default 15s
}

/** A token bucket on a stream's payload. */
export interface BandwidthLimit {
  maxBytesPerSecond: number;    // > 0
  bucketCapacityBytes: number;  // > 0, default 128 KiB
}
