// A TCP proxy that delays every byte by a fixed time in each direction (order kept): the added round trip of a
// long link for benchmark 8, where the guest's kernel has no sch_netem (tc qdisc … netem is unavailable).
// Each chunk read from one side is written to the other `oneWayMs` after it arrived, never before the chunk ahead
// of it; back-pressure is not modelled (the link's bandwidth stays the loopback's).
import net from 'node:net';

export interface DelayProxy { port: number; close(): Promise<void> }

function pipeDelayed(from: net.Socket, to: net.Socket, oneWayMs: number): void {
  // one FIFO and one timer per direction: timers of different durations (a chunk's delay rounded to the ms) may
  // fire out of order, which corrupted SSH's packet stream at 250 ms one way ("Bad packet length")
  const queue: { due: number; chunk: Buffer | null }[] = [];
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    timer = null;
    while (queue.length > 0 && queue[0]!.due <= performance.now()) {
      const { chunk } = queue.shift()!;
      if (to.destroyed) continue;
      if (chunk === null) to.end();
      else to.write(chunk);
    }
    if (queue.length > 0) timer = setTimeout(flush, Math.max(1, queue[0]!.due - performance.now()));
  };
  const push = (chunk: Buffer | null) => {
    queue.push({ due: performance.now() + oneWayMs, chunk });
    if (timer === null) timer = setTimeout(flush, Math.max(1, queue[0]!.due - performance.now()));
  };
  from.on('data', (chunk: Buffer) => push(chunk));
  from.on('end', () => push(null));
}

/** Listens on 127.0.0.1 (an ephemeral port) and forwards to 127.0.0.1:`targetPort`, each way `oneWayMs` late. */
export function startDelayProxy(targetPort: number, oneWayMs: number): Promise<DelayProxy> {
  // half-open sockets: a side's FIN reaches the other side after the delay, behind the data queued before it (without
  // allowHalfOpen node would end the write side at once and drop what is still queued for it)
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const upstream = net.connect({ port: targetPort, host: '127.0.0.1', allowHalfOpen: true });
    pipeDelayed(client, upstream, oneWayMs);
    pipeDelayed(upstream, client, oneWayMs);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  })));
}
