// Which job, dataset and plan step the running code works for, carried through async calls
// (AsyncLocalStorage), so that a zfs command's log line and trace event can name them.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface StepContext {
  job?: string;
  dataset?: string | null;
  /** the plan action's id, "<job>:<n>" */
  step?: string;
}

const storage = new AsyncLocalStorage<StepContext>();

/** Runs fn with ctx as the current step context (nested contexts override the outer one's fields). */
export function withStep<T>(ctx: StepContext, fn: () => T): T {
  const outer = storage.getStore();
  return storage.run(outer ? { ...outer, ...ctx } : ctx, fn);
}

/** The context of the code running now (empty outside any step). */
export function currentStep(): StepContext {
  return storage.getStore() ?? {};
}
