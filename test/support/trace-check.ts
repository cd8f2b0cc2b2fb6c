// Checks of a trace's structure, shared by the unit tests and the real-ZFS test of --trace.
import assert from 'node:assert/strict';
import type { TraceDocument, TraceEvent } from '../../src/obs/trace.js';

/** Trace Event Format as viewers need it: known phases, integer µs, named lanes, spans that nest within a lane. */
export function assertTraceStructure(doc: TraceDocument, pid: number): void {
  assert.equal(doc.displayTimeUnit, 'ms');
  assert.match(doc.otherData.startTime!, /Z$/);
  const tids = new Set<number>();
  const named = new Set<number>();
  for (const e of doc.traceEvents) {
    assert.ok(['X', 'M', 'i'].includes(e.ph), e.ph);
    assert.equal(e.pid, pid);
    assert.ok(Number.isInteger(e.tid) && e.tid > 0);
    assert.ok(Number.isInteger(e.ts) && e.ts >= 0, `ts ${e.ts}`);
    assert.equal(typeof e.name, 'string');
    if (e.ph === 'X') { assert.ok(Number.isInteger(e.dur) && e.dur! >= 0); tids.add(e.tid); }
    if (e.ph === 'M' && e.name === 'thread_name') named.add(e.tid);
  }
  for (const t of tids) assert.ok(named.has(t), `lane ${t} has a name`);
  // within a lane, spans nest: no two overlap partially
  for (const t of tids) {
    const xs = doc.traceEvents.filter((e) => e.ph === 'X' && e.tid === t);
    for (const a of xs) for (const b of xs) {
      if (a === b) continue;
      const aEnd = a.ts + a.dur!, bEnd = b.ts + b.dur!;
      const disjoint = aEnd <= b.ts || bEnd <= a.ts;
      const nested = (a.ts <= b.ts && bEnd <= aEnd) || (b.ts <= a.ts && aEnd <= bEnd);
      assert.ok(disjoint || nested, `${a.name} [${a.ts},${aEnd}] and ${b.name} [${b.ts},${bEnd}] overlap on lane ${t}`);
    }
  }
}

/** inner lies inside outer, on the same lane */
export const within = (inner: TraceEvent, outer: TraceEvent) => inner.tid === outer.tid && outer.ts <= inner.ts && inner.ts + inner.dur! <= outer.ts + outer.dur!;
