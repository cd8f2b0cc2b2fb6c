// Whether the target can receive this job's stream at all, judged from its encryption (OpenZFS refuses these
// receives after the transfer has started, so the plan says so up front instead of failing at apply).
import type { DatasetRecord } from '../zfs/types.js';

export interface ReceiveCompatInput {
  sourceDataset: string;
  targetHost: string;
  /** the existing target (null: the plan creates it) */
  target: DatasetRecord | null;
  /** the stream is raw and carries encrypted data (-w of an encrypted source) */
  encryptedStream: boolean;
  sourceEncrypted: boolean;
  /** the first step replaces an empty placeholder with a full stream (receive -F) */
  replacesPlaceholder: boolean;
  job: string;
}

export interface ReceiveProblem { summary: string; detail: string[] }

/**
 * Measured on OpenZFS 2.1 (test/real/plan-ssh.test.ts checks them): a raw stream of encrypted data is refused on top
 * of an unencrypted dataset ("cannot perform raw receive on top of existing unencrypted dataset"); a decrypted
 * stream into an encrypted dataset needs its key loaded ("inherited key must be loaded"); and `receive -F` cannot
 * destroy an encrypted filesystem or overwrite an unencrypted one with an encrypted one, so an empty placeholder can
 * be replaced only when neither it nor the stream is encrypted. Null when the receive can work.
 */
export function computeReceiveProblem(a: ReceiveCompatInput): ReceiveProblem | null {
  const t = a.target;
  if (t === null) return null;
  const T = t.name;
  const S = a.sourceDataset;
  const parentOfLater = `${T} exists only as the parent of datasets replicated before ${S} was selected`;
  if (a.replacesPlaceholder) {
    if (t.encryption !== 'off') {
      return {
        summary: `cannot replace placeholder ${T}: it is encrypted`,
        detail: [`zfs receive -F cannot destroy an encrypted filesystem; ${parentOfLater}`, `rename the datasets below ${T} away and destroy it, then plan again (recv.placeholder.encryption: off makes future placeholders unencrypted)`],
      };
    }
    if (a.encryptedStream) {
      return {
        summary: `cannot replace placeholder ${T} with ${S}'s raw encrypted stream`,
        detail: [`zfs receive -F cannot overwrite an unencrypted dataset with an encrypted one; ${parentOfLater}`, `send ${S} decrypted (send.encrypted and send.raw off), or rename the datasets below ${T} away and destroy it, then plan again`],
      };
    }
    return null;
  }
  if (a.encryptedStream && t.encryption === 'off') {
    return {
      summary: `cannot send ${S} raw to ${T}: ${T} is not encrypted`,
      detail: [`${T} was received decrypted, and zfs receive refuses a raw (-w) stream on top of an unencrypted dataset`, `turn send.encrypted and send.raw off for job ${a.job}, or rename or destroy ${T} so that it is received raw from scratch`],
    };
  }
  if (!a.encryptedStream && t.encryption !== 'off' && t.keyStatus === 'unavailable') {
    const root = t.encryptionRoot ?? T;
    return {
      summary: `cannot receive a decrypted stream into ${T}: its key is not loaded`,
      detail: [`${T} is encrypted (encryption root ${root}), and zfs receive needs its key for a decrypted (non-raw) stream`, `load the key on ${a.targetHost} (zfs load-key ${root})${a.sourceEncrypted ? ', or send raw with send.encrypted' : ''}`],
    };
  }
  return null;
}
