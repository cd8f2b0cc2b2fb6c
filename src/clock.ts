// Monotonic milliseconds, for durations and rate limits: from process.hrtime, which needs no module. The global
// `performance` loads node's perf_hooks (ten modules, ~1.5 ms of a short run) on its first use.
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
