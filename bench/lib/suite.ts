/**
 * The protocol between bench/run.ts and a suite: the suite runs in its own
 * process (fresh heap, honest RSS) and prints one `BENCH_RESULT {json}` line.
 */
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const RESULT_PREFIX = 'BENCH_RESULT ';
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * What the suites run: `dist`, the code as it ships (tsc's output, through
 * shipped-code.mjs), unless HOLDFAST_BENCH_CODE=source (`bench --source`) asks
 * for `src` as tsx compiles it, the way records before session 22 ran.
 */
export function benchedCode(): 'dist' | 'source' {
  return process.env.HOLDFAST_BENCH_CODE === 'source' ? 'source' : 'dist';
}

/** Node flags that make a child run `benchedCode`: for every process a suite starts on holdfast's code. */
export function codeFlags(): string[] {
  return benchedCode() === 'dist' ? ['--import', fileURLToPath(new URL('./shipped-code-register.mjs', import.meta.url))] : [];
}

/** Builds `tree`'s dist when the suites run it: a stale dist would measure other code. */
export function buildShippedCode(tree = repoRoot): void {
  if (benchedCode() === 'dist') execFileSync('npm', ['run', '--silent', 'build'], { cwd: tree, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Figures of one suite run: numbers, or a `skipped` reason. */
export type Figures = Record<string, number | string>;

/** Options every suite reads from its command line. */
export function suiteOptions(argv = process.argv.slice(2)): { quick: boolean; args: string[] } {
  return { quick: argv.includes('--quick'), args: argv.filter((a) => a !== '--quick') };
}

/** Prints the suite's figures for the parent, then exits (lmdb-js and redis handles would keep it alive). */
export function report(figures: Figures): never {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(figures)}\n`);
  process.exit(0);
}

/**
 * Runs a TypeScript file in a child node with --expose-gc and tsx; resolves with its figures.
 * `wrap` turns the command line into the one to run (to start it inside a memory budget, say).
 */
export function runTs(file: string, args: string[], log: (line: string) => void = () => {}, wrap = (argv: string[]) => argv): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const [command, ...rest] = wrap([process.execPath, '--expose-gc', '--import', 'tsx', ...codeFlags(), file, ...args]);
    const child = spawn(command!, rest, {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      let newline: number;
      while ((newline = stdout.indexOf('\n')) >= 0) {
        const line = stdout.slice(0, newline);
        stdout = stdout.slice(newline + 1);
        if (line.startsWith(RESULT_PREFIX)) {
          try {
            resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as Figures);
          } catch (error) {
            reject(error as Error);
          }
        } else if (line.trim()) log(line);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      // resolve() above wins when the result line came first; otherwise this is a failure.
      reject(new Error(`${file} exited with ${signal ?? code} before reporting:\n${stderr.slice(-4000)}`));
    });
  });
}

/** Resolves when `check` holds, polling every `everyMs`; rejects after `timeoutMs`. */
export function until(check: () => boolean, timeoutMs: number, what: string, everyMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (check()) return resolve();
      if (Date.now() > deadline) return reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      setTimeout(poll, everyMs);
    };
    poll();
  });
}
