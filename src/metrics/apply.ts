// Metric families of an apply run, gathered from its events (src/apply/events.ts) and its result: per job the
// run's time, duration, bytes sent, datasets per outcome, success, and the last success carried over from the
// previous file when this run did not succeed (zform keeps no state of its own).
import type { ApplyEvent, ApplyResult, OutcomeStatus } from '../apply/events.js';
import type { MetricFamily, Sample } from './exposition.js';
import { parseSamples } from './exposition.js';

const OUTCOMES: OutcomeStatus[] = ['ok', 'unchanged', 'failed', 'skipped', 'conflict', 'interrupted'];
const BAD: OutcomeStatus[] = ['failed', 'skipped', 'conflict', 'interrupted'];
export const LAST_SUCCESS = 'zform_apply_last_success_timestamp_seconds';

interface JobFigures { first: number | null; last: number | null; bytes: number; wireBytes: number; sends: number }

export interface ApplyMetricsCollector {
  onEvent(ev: ApplyEvent): void;
  /** jobs: every job of the plan (also those with nothing to do); previous: the old file's text */
  finish(jobs: string[], result: ApplyResult, end: Date, previous: string): MetricFamily[];
}

export function createApplyMetrics(): ApplyMetricsCollector {
  const figures = new Map<string, JobFigures>();
  const of = (job: string) => {
    let f = figures.get(job);
    if (!f) { f = { first: null, last: null, bytes: 0, wireBytes: 0, sends: 0 }; figures.set(job, f); }
    return f;
  };
  return {
    onEvent(ev) {
      const f = of(ev.job);
      const t = ev.at.getTime();
      if (f.first === null || t < f.first) f.first = t;
      if (f.last === null || t > f.last) f.last = t;
      if (ev.type === 'apply_complete' && ev.action.kind === 'send') {
        f.sends++;
        f.bytes += ev.bytes ?? 0;
        // a send that was not compressed has the stream's bytes on the wire
        f.wireBytes += ev.wireBytes ?? ev.bytes ?? 0;
      }
    },
    finish(jobs, result, end, previous) {
      const endS = end.getTime() / 1000;
      const prior = new Map(parseSamples(previous, LAST_SUCCESS).filter((s) => s.labels.job !== undefined).map((s) => [s.labels.job!, s.value]));
      const ok = (job: string) => !result.interrupted
        && !result.outcomes.some((o) => o.job === job && BAD.includes(o.status))
        && !result.snapshotFailures.some((s) => s.startsWith(`${job}: `));
      const per = (value: (job: string, f: JobFigures) => number | null): Sample[] =>
        jobs.flatMap((job) => { const v = value(job, of(job)); return v === null ? [] : [{ labels: { job }, value: v }]; });
      return [
        { name: 'zform_apply_timestamp_seconds', type: 'gauge', help: 'When the last apply of the job ended (unix seconds).', samples: per(() => endS) },
        { name: 'zform_apply_success', type: 'gauge', help: 'Whether the last apply of the job succeeded (1) or not (0).', samples: per((job) => (ok(job) ? 1 : 0)) },
        {
          name: LAST_SUCCESS, type: 'gauge', help: 'When an apply of the job last succeeded (unix seconds; carried over from the previous file).',
          samples: per((job) => (ok(job) ? endS : prior.get(job) ?? null)),
        },
        {
          name: 'zform_apply_duration_seconds', type: 'gauge', help: "Wall time of the job's actions in the last apply (seconds).",
          samples: per((_, f) => (f.first === null || f.last === null ? 0 : (f.last - f.first) / 1000)),
        },
        { name: 'zform_apply_sent_bytes', type: 'gauge', help: 'Bytes sent by the job in the last apply.', samples: per((_, f) => f.bytes) },
        {
          name: 'zform_apply_wire_bytes', type: 'gauge', help: 'Bytes the job\'s sends put on the wire in the last apply (compressed by send.compression).',
          samples: per((_, f) => f.wireBytes),
        },
        { name: 'zform_apply_sends', type: 'gauge', help: 'Sends the job completed in the last apply.', samples: per((_, f) => f.sends) },
        {
          name: 'zform_apply_datasets', type: 'gauge', help: 'Datasets of the job by outcome of the last apply (ok, unchanged, failed, skipped, conflict, interrupted).',
          samples: jobs.flatMap((job) => OUTCOMES.map((o) => ({ labels: { job, outcome: o }, value: result.outcomes.filter((x) => x.job === job && x.status === o).length }))),
        },
      ];
    },
  };
}
