// Metric families of a status report: per job its verdict and newest snapshot time, per dataset its lag,
// pending snapshots and resumable bytes.
import type { StatusReport } from '../status/types.js';
import { VERDICT_ORDER } from '../status/types.js';
import type { MetricFamily } from './exposition.js';

const seconds = (iso: string) => Date.parse(iso) / 1000;

export function computeStatusMetrics(report: StatusReport): MetricFamily[] {
  const ds = report.jobs.flatMap((j) => j.datasets.map((d) => ({ j, d, labels: { job: j.job, dataset: d.source } })));
  return [
    { name: 'zform_status_timestamp_seconds', type: 'gauge', help: 'When zform last computed the status (unix seconds).', samples: [{ labels: {}, value: seconds(report.createdAt) }] },
    {
      name: 'zform_job_verdict', type: 'gauge', help: 'Verdict of each job: 1 for its current verdict (ok, lagging, conflict, failing), 0 for the others.',
      samples: report.jobs.flatMap((j) => [...VERDICT_ORDER].reverse().map((v) => ({ labels: { job: j.job, verdict: v }, value: j.verdict === v ? 1 : 0 }))),
    },
    {
      name: 'zform_job_last_snapshot_timestamp_seconds', type: 'gauge', help: "Creation time of the job's newest snapshot (unix seconds).",
      samples: report.jobs.filter((j) => j.lastSnapshotAt !== null).map((j) => ({ labels: { job: j.job }, value: seconds(j.lastSnapshotAt!) })),
    },
    {
      name: 'zform_job_lag_threshold_seconds', type: 'gauge', help: 'Lag above which a dataset of the job is lagging (0: any pending snapshot).',
      samples: report.jobs.map((j) => ({ labels: { job: j.job }, value: j.lagThresholdSeconds })),
    },
    {
      name: 'zform_dataset_lag_seconds', type: 'gauge', help: 'Age of the newest snapshot replicated to the target (seconds); absent when nothing is replicated.',
      samples: ds.filter(({ d }) => d.lagSeconds !== null).map(({ d, labels }) => ({ labels, value: d.lagSeconds! })),
    },
    {
      name: 'zform_dataset_pending_snapshots', type: 'gauge', help: 'Source snapshots not yet on the target.',
      samples: ds.filter(({ d }) => d.target !== null).map(({ d, labels }) => ({ labels, value: d.pendingSnapshots })),
    },
    {
      name: 'zform_dataset_resumable_bytes', type: 'gauge', help: 'Bytes already received by an interrupted receive waiting on the target (0 when unknown); absent without one.',
      samples: ds.filter(({ d }) => d.resume !== null).map(({ d, labels }) => ({ labels, value: d.resume!.bytesDone ?? 0 })),
    },
    {
      name: 'zform_dataset_ok', type: 'gauge', help: "1 when the dataset's verdict is ok, else 0.",
      samples: ds.map(({ d, labels }) => ({ labels, value: d.verdict === 'ok' ? 1 : 0 })),
    },
  ];
}
