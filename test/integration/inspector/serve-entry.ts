/** Runs the holdfast CLI from source in a child process (the serve tests send it signals). */
import { main } from '../../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
