// apply --metrics-file, the command's part: the run's figures (from its events and result) and, read again after the
// run (a status read, orchestrated here rather than in src/metrics), each dataset's lag and the jobs' verdicts (as
// status writes them), in one file written atomically. After an
// interrupted run (a signal) zform does not list again: the file then has the run's figures only.
import type { Config } from '../config/types.js';
import type { HostPool } from '../hosts.js';
import type { Io } from '../io.js';
import type { ApplyResult } from '../apply/events.js';
import type { ApplyMetricsCollector } from '../metrics/apply.js';
import type { MetricFamily } from '../metrics/exposition.js';
import { renderExposition } from '../metrics/exposition.js';
import { readMetricsFile, writeMetricsFile } from '../metrics/write.js';
import { computeStatusMetrics } from '../metrics/status.js';
import { readStatus } from '../status/read.js';

export async function writeApplyMetrics(file: string, jobs: string[], result: ApplyResult, collector: ApplyMetricsCollector, config: Config, hosts: HostPool, io: Io, relist = true): Promise<void> {
  const families: MetricFamily[] = collector.finish(jobs, result, io.now(), await readMetricsFile(file));
  if (relist) try {
    families.push(...computeStatusMetrics(await readStatus(config, jobs, hosts, io.now())));
  } catch (err) {
    // The run's own figures are still worth writing when the listing afterwards fails.
    io.stderr.write(`zform: metrics: cannot list after apply, lag left out: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}\n`);
  }
  await writeMetricsFile(file, renderExposition(families));
}
