// Which compression a job's transfers use on the wire, and whether both hosts can run it (pure).
import type { HostConfig, JobConfig } from '../config/types.js';
import { renderCompression, type Compression } from '../zfs/wire.js';

/** What `command -v` found on a host (readInventories), or why it could not be asked. */
export type HostPrograms = string[] | { error: string };

export interface WireChoice {
  /** null: not compressed (none configured, or both ends on this machine) */
  compression: Compression | null;
  /** why the job's sends cannot run compressed (a program missing on a host): the plan blocks every send */
  problem: { summary: string; detail: string[] } | null;
}

/** The hosts of a job's transfers that must run a program for its compression (none when nothing is compressed). */
export function computeWireHosts(job: JobConfig, hosts: Record<string, HostConfig>): string[] {
  if (!job.send.compression || !job.target) return [];
  const remote = (h: string) => hosts[h]?.ssh !== undefined;
  // between two ends on this machine there is no wire: compression would only cost CPU
  if (!remote(job.source.host) && !remote(job.target.host)) return [];
  return [...new Set([job.source.host, job.target.host])];
}

/** The job's compression and, when a host lacks its program, the problem naming that host. */
export function computeWireChoice(job: JobConfig, hosts: Record<string, HostConfig>, programs: Record<string, HostPrograms>): WireChoice {
  const c = job.send.compression;
  const need = computeWireHosts(job, hosts);
  if (!c || need.length === 0) return { compression: null, problem: null };
  const text = renderCompression(c);
  for (const h of need) {
    const found = programs[h];
    const side = h === job.source.host ? 'sending (source)' : 'receiving (target)';
    if (Array.isArray(found)) {
      if (found.includes(c.program)) continue;
      return {
        compression: c,
        problem: {
          summary: `send.compression ${text}: ${c.program} is not installed on ${h}`,
          detail: [
            `the stream is compressed on the sending host and decompressed on the receiving host, so ${c.program} must be on both; it was not found on ${h}, the ${side} host (command -v ${c.program})`,
            `install ${c.program} on ${h}, or set send.compression of job ${job.name} to another program or none`,
          ],
        },
      };
    }
    return {
      compression: c,
      problem: {
        summary: `send.compression ${text}: cannot tell whether ${h} has ${c.program}: ${found?.error ?? 'it was not asked'}`,
        detail: [`zform looks for ${c.program} on both hosts (command -v) before planning a compressed send`],
      },
    };
  }
  return { compression: c, problem: null };
}
