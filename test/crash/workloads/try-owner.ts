/**
 * Crash workload: tries to take a store as its owner, then lets it go at once.
 * Prints `OWNER` when it got it, `REFUSED <code>` when it did not.
 * Usage: try-owner.ts STORE
 */
import { HoldfastError } from '../../../src/errors.js';
import { openLmdbStore } from '../../../src/create-runtime.js';

try {
  const store = openLmdbStore(process.argv[2]!);
  console.log('OWNER');
  await store.close();
} catch (error) {
  if (!(error instanceof HoldfastError)) throw error;
  console.log(`REFUSED ${error.code}`);
}
