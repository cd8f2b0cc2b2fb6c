// The status as one JSON document (schemas/status.schema.json): the StatusReport value itself, 2-space indented.
import type { StatusReport } from '../status/types.js';

/** No trailing newline; computeStatus builds every object with a fixed key order. */
export function renderStatusJson(report: StatusReport): string {
  return JSON.stringify(report, null, 2);
}
