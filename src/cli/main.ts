/**
 * The `holdfast` command line. Every command takes `--store PATH` (default
 * ./.holdfast) and `--json`. Exit codes: 0 done, 1 work failed, 2 bad usage or input.
 */
import { Command, CommanderError } from 'commander';
import { HoldfastError } from '../errors.js';
import { DEFAULT_STORE } from './assembly.js';
import { exitCodeFor } from './cli-context.js';
import { registerBatchViews } from './commands/batch-exceptions.js';
import { registerBatchRun } from './commands/batch-run.js';
import { registerControl } from './commands/control.js';
import { registerDataverseStandin } from './commands/dataverse-standin.js';
import { registerDemo } from './commands/demo.js';
import { registerImport } from './commands/import.js';
import { registerIngest } from './commands/ingest.js';
import { registerJobs } from './commands/jobs.js';
import { registerResume } from './commands/resume.js';
import { registerServe } from './commands/serve.js';
import { registerTaskCommands } from './commands/defer.js';
import { registerUser } from './commands/user.js';
import { registerWatch } from './commands/watch.js';

/** Runs the CLI with `argv` (without node and script); resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const run = async (task: () => Promise<number>) => {
    exitCode = await task();
  };
  const program = new Command('holdfast')
    .description('a durable actor runtime for batch data work: every step of every job survives a crash')
    .option('--store <path>', 'the store folder', DEFAULT_STORE)
    .option('--json', 'machine-readable output: one JSON object when a command ends')
    .showHelpAfterError()
    .exitOverride();
  program.configureOutput({ writeErr: (text) => process.stderr.write(text) });
  registerIngest(program, run);
  registerResume(program, run);
  registerWatch(program, run);
  registerJobs(program, run);
  registerBatchRun(program, run);
  registerBatchViews(program, run);
  registerControl(program, run);
  registerDemo(program, run);
  registerDataverseStandin(program, run);
  registerServe(program, run);
  registerTaskCommands(program, run);
  registerImport(program, run);
  registerUser(program, run);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    const message = error instanceof HoldfastError ? error.message : `[UNEXPECTED] ${(error as Error)?.stack ?? String(error)}`;
    process.stderr.write(`holdfast: ${message}\n`);
    return exitCodeFor(error);
  }
}
