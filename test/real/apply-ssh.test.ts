// `zform apply` on real OpenZFS with the target over SSH (the guest's own sshd): initial (nested tree, zvol, encrypted
// raw), incremental, the cursor after pruning, kill -9 of zform and of the remote zfs receive mid-transfer.
import { requireGuest } from './lib.js';
import { replicationScenarios } from './apply-replication.js';

requireGuest(import.meta.url);

replicationScenarios({ prefix: 'zas', ssh: true, kills: ['zform', 'remote-receive'] });
