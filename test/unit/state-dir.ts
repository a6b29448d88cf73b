/** Imported first by unit tests that record lab state: a private state root instead of /run/bgplab (no root needed). */
import { tmpDir } from './tmp.js';

process.env['BGPLAB_STATE_DIR'] = tmpDir('bgplab-state-');
