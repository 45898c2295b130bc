/** What bin/holdfast.js does, from source: the CLI in a supervised child (run with `node --import tsx`). */
import { fileURLToPath } from 'node:url';
import { superviseCli } from '../../src/cli/cli-supervisor.js';

process.exitCode = await superviseCli(fileURLToPath(new URL('../../src/cli/cli-child.ts', import.meta.url)), process.argv.slice(2));
