/** Imported first by unit tests that record lab state: a private state root instead of /run/bgplab (no root needed). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

process.env['BGPLAB_STATE_DIR'] = mkdtempSync(join(tmpdir(), 'bgplab-state-'));
