// Monotonic milliseconds, for durations and rate limits: from process.hrtime, which needs no module. The global
// `performance` loads node's perf_hooks (ten modules, ~1.5 ms of a short run) on its first use.
export function monotonicMs(): number {
  const [s, ns] = process.hrtime();
  return s * 1e3 + ns / 1e6;
}
