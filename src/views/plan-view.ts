// `zform plan`'s view: the plan, then where it was saved (or a note that it was not). Human or JSON, chosen once.
import type { Plan } from '../plan/types.js';
import type { Io } from '../io.js';
import type { ViewType } from './view-type.js';
import { writePlanHuman } from './plan-human.js';
import { renderPlanJsonPieces } from './plan-json.js';
import { writePieces } from './write-pieces.js';

export interface PlanView {
  plan(plan: Plan): void;
  /** the plan was saved to `file` */
  saved(file: string): void;
  /** the plan has changes and was not saved */
  unsaved(): void;
}

export function createPlanView(type: ViewType, io: Io, opts: { color: boolean }): PlanView {
  // written piece by piece (the same text as renderPlanJson / renderPlanHuman): a plan at scale is too big for one string
  if (type === 'json') {
    return {
      plan(plan) { writePieces(renderPlanJsonPieces(plan), io.stdout); io.stdout.write('\n'); },
      saved() { /* the JSON document is the whole output */ },
      unsaved() { /* likewise */ },
    };
  }
  return {
    plan(plan) { writePlanHuman(plan, { color: opts.color }, io.stdout); },
    saved(file) { io.stdout.write(`\nSaved the plan to: ${file}\nTo perform exactly these actions, run: zform apply ${file}\n`); },
    unsaved() { io.stdout.write(`\nNote: You didn't use the --out option to save this plan, so zform can't guarantee to take exactly these actions if you run "zform apply" now.\n`); },
  };
}
