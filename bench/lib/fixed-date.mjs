// Fixes the clock for comparing two builds' plans byte for byte: `node --import ./bench/lib/fixed-date.mjs bin/zform plan …`
// makes `new Date()` and `Date.now()` the instant in ZFORM_BENCH_NOW (an ISO time; default 2026-01-01T12:00:00Z).
// Only for bench comparisons; zform itself never loads it.
const RealDate = globalThis.Date;
const now = RealDate.parse(process.env.ZFORM_BENCH_NOW ?? '2026-01-01T12:00:00Z');
class FixedDate extends RealDate {
  constructor(...args) { if (args.length === 0) super(now); else super(...args); }
  static now() { return now; }
}
globalThis.Date = FixedDate;
