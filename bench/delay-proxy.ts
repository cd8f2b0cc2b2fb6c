// A TCP proxy that delays every byte by a fixed time in each direction (order kept): the added round trip of a
// long link for benchmark 8, where the guest's kernel has no sch_netem (tc qdisc … netem is unavailable).
// Each chunk read from one side is written to the other `oneWayMs` after it arrived, never before the chunk ahead
// of it; back-pressure is not modelled (the link's bandwidth stays the loopback's).
import net from 'node:net';

export interface DelayProxy { port: number; close(): Promise<void> }

function pipeDelayed(from: net.Socket, to: net.Socket, oneWayMs: number): void {
  let last = 0;
  from.on('data', (chunk: Buffer) => {
    const due = Math.max(performance.now() + oneWayMs, last);
    last = due;
    setTimeout(() => { if (!to.destroyed) to.write(chunk); }, due - performance.now());
  });
  from.on('end', () => setTimeout(() => to.end(), Math.max(0, last - performance.now()) + oneWayMs));
  from.on('error', () => to.destroy());
}

/** Listens on 127.0.0.1 (an ephemeral port) and forwards to 127.0.0.1:`targetPort`, each way `oneWayMs` late. */
export function startDelayProxy(targetPort: number, oneWayMs: number): Promise<DelayProxy> {
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    pipeDelayed(client, upstream, oneWayMs);
    pipeDelayed(upstream, client, oneWayMs);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  })));
}
