/** The CLI from source, for tests that run it in a child process (e.g. to SIGKILL a run). */
import { main } from '../../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
