/**
 * Crash workload for a store format migration: opens STORE for writing, which
 * migrates a store of an older format in place (lmdb-store.ts, checkFormat),
 * after printing READY; prints DONE and the milliseconds the open took.
 * The crash test kills it at a random instant in between.
 * Usage: migrate.ts STORE
 */
import { openLmdbStore } from '../../../src/create-runtime.js';

const [folder] = process.argv.slice(2);
console.log('READY');
const started = performance.now();
const store = openLmdbStore(folder!);
console.log(`DONE ${Math.round(performance.now() - started)}`);
await store.close();
