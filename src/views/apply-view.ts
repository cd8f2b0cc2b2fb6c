// `zform apply`'s view: the plan it runs, its progress events and the summary. Human or JSON, chosen once.
import type { Plan } from '../plan/types.js';
import type { Io } from '../io.js';
import type { ApplyEvent, ApplyResult } from '../apply/events.js';
import type { ViewType } from './view-type.js';
import { writePlanHuman } from './plan-human.js';
import { createHumanApplyView } from './apply-human.js';
import { createJsonApplyView } from './apply-json.js';

export interface ApplyView {
  /** the plan about to be confirmed or run (the JSON view shows none: its output is the events) */
  plan(plan: Plan): void;
  /** the run starts */
  start(): void;
  onEvent(ev: ApplyEvent): void;
  finish(result: ApplyResult, at: Date): void;
}

export function createApplyView(type: ViewType, io: Io, opts: { color: boolean; tty: boolean }): ApplyView {
  if (type === 'json') {
    const v = createJsonApplyView(io);
    return { plan() { /* events only */ }, start() { /* events only */ }, onEvent: v.onEvent, finish: v.finish };
  }
  const v = createHumanApplyView(io, opts);
  return {
    plan(plan) { writePlanHuman(plan, { color: opts.color }, io.stdout); },
    start() { io.stdout.write('\n'); },
    onEvent: v.onEvent,
    finish: v.finish,
  };
}
