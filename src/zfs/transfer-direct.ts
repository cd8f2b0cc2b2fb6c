// How a send reaches its receive. When both are processes of this machine, `zfs receive` reads `zfs send`'s stdout
// pipe itself, as in a shell pipeline: no byte passes through zform (each one would cost two more copies, and
// under load or emulation that was a third of the time). zform then only watches both processes: their stderr,
// exit, blame, kills and abort are handled as for any transfer (transfer.ts), and the byte count comes from
// `zfs send -v -P` on stderr (send-progress.ts). Everything else (SSH, a bandwidth limit, executors that cannot join
// two processes by a pipe, such as the tests' fake) goes through zform's pipeline, which counts every byte. A compressed
// transfer (wire.ts) is never direct: the planner asks compression only of transfers with a remote side (between two
// local ends it would only cost CPU); its sending host compresses, its receiving host decompresses, zform counts the
// bytes on the wire, and the stream's own count comes from `zfs send -v -P`.
import type { ReceiveArgs, SendArgs, ZfsHost, ZfsProcess } from './types.js';
import { CommandZfsHost } from './host.js';
import { SendProgress } from './send-progress.js';
import { runDirectTransfer, runTransfer, type TransferOptions } from './transfer.js';
import type { Compression } from './wire.js';

export type TransferPath = 'direct' | 'through-zform';

/** Direct only when both ends are on this machine and no bandwidth limit applies (nothing between two processes
 *  joined by a pipe could apply it). */
export function computeTransferPath(o: { sendLocal: boolean; receiveLocal: boolean; bandwidthLimited: boolean }): TransferPath {
  return o.sendLocal && o.receiveLocal && !o.bandwidthLimited ? 'direct' : 'through-zform';
}

/** Whether a host runs zfs commands as processes of this machine (so that two of them can share a pipe). */
export function computeHostIsLocal(host: ZfsHost): host is CommandZfsHost {
  return host instanceof CommandZfsHost && host.directPipes;
}

/** Starts the send on `sender` and the receive on `receiver` and streams one into the other (the path as
 *  computeTransferPath says). Resolves with the byte count; rejects with a TransferError. */
export async function runHostTransfer(
  sender: ZfsHost, receiver: ZfsHost, sendArgs: SendArgs, recvArgs: ReceiveArgs, opts: TransferOptions & { compression?: Compression } = {},
): Promise<{ bytes: number; wireBytes?: number; path: TransferPath }> {
  const path = computeTransferPath({
    sendLocal: computeHostIsLocal(sender), receiveLocal: computeHostIsLocal(receiver), bandwidthLimited: opts.bandwidth !== undefined,
  });
  if (path === 'direct' && computeHostIsLocal(sender) && computeHostIsLocal(receiver)) {
    const progress = new SendProgress();
    const send = sender.sendDirect(sendArgs, progress);
    let recv: ZfsProcess;
    // in the same tick as the send's start: nothing may read the pipe in between (local.ts)
    try {
      recv = receiver.receiveFrom(recvArgs, send.stdoutPipe!);
    } catch (err) {
      send.stdoutPipe?.stream.destroy();
      send.kill('SIGTERM');
      await send.done.catch(() => {});
      throw err;
    }
    const { bytes } = await runDirectTransfer(send, recv, progress, opts);
    return { bytes, path };
  }
  if (opts.compression) {
    // compressed on the sending host, decompressed on the receiving one; the stream's own count from zfs send -v -P
    const progress = new SendProgress();
    const send = sender.send(sendArgs, { compression: opts.compression, progress });
    const r = await runTransfer(send, receiver.receive(recvArgs, { compression: opts.compression }), opts, progress);
    return { ...r, path: 'through-zform' };
  }
  const { bytes } = await runTransfer(sender.send(sendArgs), receiver.receive(recvArgs), opts);
  return { bytes, path: 'through-zform' };
}
