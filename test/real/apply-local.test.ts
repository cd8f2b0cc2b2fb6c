// `zform apply` on real OpenZFS, source and target pools on this host: initial (nested tree, zvol, encrypted raw),
// incremental, the cursor after pruning, and kill -9 of zform mid-transfer (see apply-replication.ts).
import { requireGuest } from './lib.js';
import { replicationScenarios } from './apply-replication.js';

requireGuest(import.meta.url);

replicationScenarios({ prefix: 'zal', ssh: false, kills: ['zform'] });
