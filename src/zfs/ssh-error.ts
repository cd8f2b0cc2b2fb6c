// SshError: a failure of the SSH transport itself (host key, credentials, connection), never of a remote command.
import { ZformError } from '../errors.js';

export type SshErrorReason =
  | 'host_key_unknown'       // no known_hosts entry for host:port
  | 'host_key_changed'       // entries exist, none has the offered key
  | 'host_key_revoked'       // the offered key is marked @revoked
  | 'known_hosts_unreadable'
  | 'known_hosts_unsafe'     // a user other than root and ours may change it (or a folder above it)
  | 'no_credentials'         // neither identity_file nor SSH_AUTH_SOCK
  | 'identity_file'          // unreadable, unparsable or passphrase-protected
  | 'auth_failed'            // the server accepted none of our keys
  | 'connection_refused'
  | 'timeout'                // no finished handshake within connectTimeoutMs
  | 'dns'
  | 'network'                // other socket errors (unreachable, reset)
  | 'connection_lost'        // after it was up: keepalive timeout, reset, server closed it
  | 'protocol'               // SSH protocol or negotiation failure
  | 'channel';               // the server refused to open a session channel or to exec

/** One line naming the host, e.g. `ssh root@nas:22 (host nas): connection refused`. */
export class SshError extends ZformError {
  readonly reason: SshErrorReason;
  /** the config's host name ("nas") */
  readonly host: string;
  constructor(reason: SshErrorReason, host: string, shortMessage: string, opts: { details?: string[]; cause?: unknown } = {}) {
    super('ssh', shortMessage, opts);
    this.name = 'SshError';
    this.reason = reason;
    this.host = host;
  }
}
