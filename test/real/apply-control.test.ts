// `zform apply` refusing, failing and stopping on real OpenZFS with a local target: exit 64 without a terminal,
// --json events, stale saved plans, out of space on one target, exit 75 for a concurrent apply, SIGINT → 130.
import { requireGuest } from './lib.js';
import { controlScenarios } from './apply-control.js';

requireGuest(import.meta.url);

controlScenarios({ prefix: 'zac', ssh: false });
