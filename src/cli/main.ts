/**
 * The `holdfast` command line. Every command takes `--store PATH` (default
 * ./.holdfast) and `--json`. Exit codes: 0 done, 1 work failed, 2 bad usage or input.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { HoldfastError } from '../errors.js';
import { DEFAULT_STORE } from './assembly.js';
import { exitCodeFor } from './cli-context.js';
import { installDiagnosticsSignal } from './diagnostics-signal.js';
import { registerBackup } from './commands/backup.js';
import { registerBatchViews } from './commands/batch-exceptions.js';
import { registerBatchRun } from './commands/batch-run.js';
import { registerControl } from './commands/control.js';
import { registerDataverseStandin } from './commands/dataverse-standin.js';
import { registerDemo } from './commands/demo.js';
import { registerImport } from './commands/import.js';
import { registerIngest } from './commands/ingest.js';
import { registerJobs } from './commands/jobs.js';
import { registerPrune } from './commands/prune.js';
import { registerResume } from './commands/resume.js';
import { registerServe } from './commands/serve.js';
import { registerTaskCommands } from './commands/defer.js';
import { registerToken } from './commands/token.js';
import { registerUser } from './commands/user.js';
import { registerVerify } from './commands/verify.js';
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
    .option('--json', 'machine-readable output: one JSON object when a command ends (watch, serve: a line per event); a failure is {"error":{code,message}}')
    .version(packageVersion(), '-V, --version', 'the version of holdfast')
    // A mistake gets its one line and a hint, not the whole help.
    .showHelpAfterError("(run 'holdfast --help' for the commands, 'holdfast COMMAND --help' for one)")
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
  registerToken(program, run);
  registerVerify(program, run);
  registerBackup(program, run);
  registerPrune(program, run);
  // Known before parsing ends, so a usage error is answered in JSON too.
  const json = argv.includes('--json');
  const uninstallDiagnostics = installDiagnosticsSignal();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return 0; // --help, --version
      // A group (`user`, `token`, `archive`) without its subcommand prints its help and says only "(outputHelp)".
      const message = error.code === 'commander.help' ? `${argv[0]} needs a subcommand: ${subcommandsOf(program, argv[0])}` : error.message.replace(/^error: /, '');
      if (json) printJsonError({ code: 'USAGE', message });
      return 2;
    }
    const message = error instanceof HoldfastError ? error.message : `[UNEXPECTED] ${(error as Error)?.stack ?? String(error)}`;
    process.stderr.write(`holdfast: ${message}\n`);
    if (json) {
      const failure = error instanceof HoldfastError ? { code: error.code, message: error.reason, ...(error.details ? { details: error.details } : {}) } : { code: 'UNEXPECTED', message: (error as Error)?.message ?? String(error) };
      printJsonError(failure);
    }
    return exitCodeFor(error);
  } finally {
    uninstallDiagnostics();
  }
}

function subcommandsOf(program: Command, name: string | undefined): string {
  const group = program.commands.find((command) => command.name() === name);
  return group ? group.commands.map((command) => command.name()).join(', ') : 'see --help';
}

/** With --json, a failure is one JSON object on stdout, as a success is (the text line stays on stderr). */
function printJsonError(error: { code: string; message: string; details?: unknown }): void {
  process.stdout.write(`${JSON.stringify({ error })}\n`);
}

/** This package's version, from its package.json (beside src/ and dist/ alike). */
function packageVersion(): string {
  const json = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return json.version;
}
