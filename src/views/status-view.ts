// `zform status`'s view: the report, human (verdicts and tables) or JSON (one document), chosen once.
import type { StatusReport } from '../status/types.js';
import type { Io } from '../io.js';
import type { ViewType } from './view-type.js';
import { renderStatusHuman } from './status-human.js';
import { renderStatusJson } from './status-json.js';

export interface StatusView {
  report(report: StatusReport): void;
}

export function createStatusView(type: ViewType, io: Io, opts: { color: boolean }): StatusView {
  if (type === 'json') return { report(r) { io.stdout.write(renderStatusJson(r) + '\n'); } };
  return { report(r) { io.stdout.write(renderStatusHuman(r, opts)); } };
}
