/**
 * Workload: `holdfast watch` (or any holdfast command) in its own process, so a
 * test can signal or SIGKILL it. Prints, after the command returns, one JSON
 * line `{"event":"workload.exit","code":N,"maxRssKb":K}` with the process's
 * peak resident set size. Usage: watch-cli.ts <holdfast arguments...>
 */
import { main } from '../../../src/cli/main.js';

const code = await main(process.argv.slice(2));
process.stdout.write(`${JSON.stringify({ event: 'workload.exit', code, maxRssKb: process.resourceUsage().maxRSS })}\n`);
process.exitCode = code;
