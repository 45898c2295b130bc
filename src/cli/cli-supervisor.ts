/**
 * `holdfast` runs each command in a child process and reports how it ended.
 *
 * Why: LMDB keeps no page checksums and reads its file through a memory map, so
 * a page damaged inside data.mdb (bytes overwritten, not the meta pages that
 * lmdb-header.ts checks) kills the process with SIGBUS or SIGSEGV, which Node
 * cannot catch (measured: 16 bytes over the main tree's root page, and `jobs`
 * and `resume` exit 135 with no word). A parent outlives that death and names
 * it: one STORE_CORRUPT line (a JSON object with --json) naming the store and
 * `holdfast verify`, exit 1. Everything else passes through: stdio is
 * inherited (stdin too, for `--payload -`), the exit code is the child's, and
 * a child killed by another signal kills this process the same way.
 *
 * The child runs in its own process group, so a Ctrl-C reaches it once, from
 * here (SIGINT, SIGTERM and SIGHUP are forwarded, and SIGUSR2, which asks the
 * child for its stall report: cli/diagnostics-signal.ts), not twice; and it kills
 * itself when this process dies, even by SIGKILL (cli-child.ts), so a killed
 * `holdfast` never leaves its work running. Cost: one more Node start-up
 * (measured in docs/guarantees.md). Imports nothing heavy: this is all the
 * parent loads.
 */
import { fork } from 'node:child_process';
import { constants } from 'node:os';
import { resolve } from 'node:path';

/** Signals that mean the process read memory it could not: with LMDB's map, a damaged or cut store. */
const CORRUPTION_SIGNALS: ReadonlySet<string> = new Set(['SIGBUS', 'SIGSEGV']);
const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGUSR2'] as const;
/** The CLI's default store (assembly.ts's DEFAULT_STORE; a test keeps the two equal). */
export const SUPERVISED_DEFAULT_STORE = './.holdfast';

/** Runs `childModule` (the CLI's child entry) with `argv`; resolves with the exit code to use. */
export async function superviseCli(childModule: string, argv: readonly string[]): Promise<number> {
  const child = fork(childModule, [...argv], { stdio: 'inherit', detached: true });
  const forward = (signal: NodeJS.Signals) => void child.kill(signal);
  for (const signal of FORWARDED) process.on(signal, forward);
  const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null } | Error>((done) => {
    child.once('error', done);
    child.once('exit', (code, signal) => done({ code, signal }));
  });
  for (const signal of FORWARDED) process.off(signal, forward);
  if (ended instanceof Error) {
    process.stderr.write(`holdfast: cannot start the command: ${ended.message}\n`);
    return 1;
  }
  if (ended.signal === null) return ended.code ?? 1;
  if (CORRUPTION_SIGNALS.has(ended.signal)) {
    reportCorruption(argv, ended.signal);
    return 1;
  }
  process.kill(process.pid, ended.signal); // die as the child did: a caller sees the same signal
  return 128 + (constants.signals[ended.signal] ?? 0);
}

/** One STORE_CORRUPT line on stderr, and with --json the error as a JSON object on stdout. */
function reportCorruption(argv: readonly string[], signal: string): void {
  const { store, json, command } = readArgs(argv);
  const message =
    `[STORE_CORRUPT] store ${store}: \`holdfast ${command}\` died of ${signal} reading it, which here means a damaged page in its data.mdb ` +
    `(LMDB keeps no page checksums, so damage inside a page kills the process instead of raising an error); ` +
    `check it with holdfast verify --store ${store}, then restore it from a backup`;
  process.stderr.write(`holdfast: ${message}\n`);
  if (json) process.stdout.write(`${JSON.stringify({ error: { code: 'STORE_CORRUPT', message, details: { path: store, signal, verify: `holdfast verify --store ${store}` } } })}\n`);
}

/** The store, --json and command name (never other words: a value may be a token), read as commander would: the last --store wins. */
function readArgs(argv: readonly string[]): { store: string; json: boolean; command: string } {
  let store = SUPERVISED_DEFAULT_STORE;
  let json = false;
  let command: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    if (arg === '--json') json = true;
    else if (arg === '--store' && i + 1 < argv.length) store = argv[++i]!;
    else if (arg.startsWith('--store=')) store = arg.slice('--store='.length);
    else if (!arg.startsWith('-')) command ??= arg;
  }
  return { store: resolve(store), json, command: command ?? 'command' };
}
