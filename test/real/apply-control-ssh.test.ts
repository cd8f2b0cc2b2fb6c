// `zform apply` refusing, failing and stopping on real OpenZFS with the target over SSH (the guest's own sshd):
// exit 64 without a terminal, --json events, stale saved plans, out of space on one target, 75, SIGINT → 130.
import { requireGuest } from './lib.js';
import { controlScenarios } from './apply-control.js';

requireGuest(import.meta.url);

controlScenarios({ prefix: 'zak', ssh: true });
