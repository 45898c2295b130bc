/**
 * The body of an MD5 worker thread, and the messages it exchanges with the
 * pool (`hash-pool.ts`).
 *
 * The body is JavaScript text run with `new Worker(source, { eval: true })`
 * rather than a module file: a worker file would be `md5-worker.ts` under
 * vitest and tsx but `md5-worker.js` in `dist/`, and Node cannot run the
 * former without a loader. Text runs the same from source and from a build.
 * Eval workers run as CommonJS scripts; hash-wasm's entry point is CommonJS
 * (UMD) too, so the worker `require`s it from the absolute path the pool
 * resolved: not by name, because the worker's own resolution starts from the
 * process's working directory, which may hold no `node_modules` at all, and
 * not with `import()`, which would go through the process's ESM loader.
 */

/** Data the pool passes to each worker at start. */
export interface Md5WorkerData {
  /** Absolute path of hash-wasm's CommonJS entry point, resolved from the pool's module. */
  hashWasmPath: string;
}

/** Pool to worker: hash a file, or stop hashing the file of job `id`. */
export type Md5Request = { type: 'hash'; id: number; path: string } | { type: 'cancel'; id: number };

/** Errors crossing the thread boundary as plain data, errno fields kept. */
export interface Md5WorkerError {
  message: string;
  code?: string;
  syscall?: string;
  path?: string;
}

/** Worker to pool: the outcome of job `id`. Exactly one per `hash` request. */
export type Md5Response =
  | { id: number; outcome: 'hashed'; md5: string; size: number }
  | { id: number; outcome: 'failed'; error: Md5WorkerError }
  | { id: number; outcome: 'cancelled' };

/** Bytes per read: 1 MiB keeps the wasm calls few and the buffer small. */
export const MD5_CHUNK_BYTES = 1024 * 1024;

/**
 * JavaScript source of the worker. One job at a time: the pool never sends a
 * second `hash` before the answer to the first. Reads are awaited one by one,
 * so a `cancel` message is seen between two chunks.
 */
export const md5WorkerSource = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { open } = require('node:fs/promises');

const CHUNK = ${MD5_CHUNK_BYTES};
const buffer = Buffer.allocUnsafe(CHUNK);
let hasherPromise;
let current = -1;
let cancelled = false;

function hasher() {
  // One wasm instance per worker, re-initialised per file.
  if (hasherPromise === undefined) hasherPromise = require(workerData.hashWasmPath).createMD5();
  return hasherPromise;
}

async function hashFile(path) {
  const md5 = await hasher();
  const handle = await open(path, 'r');
  try {
    md5.init();
    let size = 0;
    for (;;) {
      if (cancelled) return undefined;
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, null);
      if (bytesRead === 0) break;
      md5.update(buffer.subarray(0, bytesRead));
      size += bytesRead;
    }
    return { md5: md5.digest('hex'), size };
  } finally {
    await handle.close();
  }
}

parentPort.on('message', (request) => {
  if (request.type === 'cancel') {
    if (request.id === current) cancelled = true;
    return;
  }
  const id = request.id;
  current = id;
  cancelled = false;
  hashFile(request.path).then(
    (result) => {
      current = -1;
      parentPort.postMessage(
        result === undefined ? { id, outcome: 'cancelled' } : { id, outcome: 'hashed', md5: result.md5, size: result.size },
      );
    },
    (error) => {
      current = -1;
      const plain = { message: error instanceof Error ? error.message : String(error) };
      for (const key of ['code', 'syscall', 'path']) {
        if (error && typeof error[key] === 'string') plain[key] = error[key];
      }
      parentPort.postMessage({ id, outcome: 'failed', error: plain });
    },
  );
});
`;
