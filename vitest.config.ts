import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Interleaves the crash tier's files with the others'. Vitest runs a project whose files go one at a
 * time after every other project, on one core: the crash tier took 430 of CI's 870 s that way while
 * the second core idled. Run in the shared pool, spread among the others, a crash file's child
 * processes mostly run beside lighter files rather than beside a second crash file.
 */
class CrashInterleaved extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const crash = sorted.filter((file) => file.project.name === 'crash');
    const rest = sorted.filter((file) => file.project.name !== 'crash');
    const merged: TestSpecification[] = [];
    // Spread evenly: a crash file runs about as long as seven others (16 s against 2.5 s in CI).
    while (crash.length > 0) merged.push(crash.shift()!, ...rest.splice(0, Math.ceil(rest.length / (crash.length + 1))));
    merged.push(...rest);
    return merged;
  }
}

// Test tiers (STYLE.md): unit (no disk), integration (real LMDB, files, sockets), conformance (every store),
// crash (child processes killed with SIGKILL), browser (headless Chromium; one file at a time).
export default defineConfig({
  test: {
    // Two files at once on CI's two cores (the default, cores - 1, ran every file one after another):
    // most tests wait on child processes, sockets and timers, not on the CPU. The browser tier still
    // runs its own files one at a time.
    maxWorkers: 2,
    sequence: { sequencer: CrashInterleaved },
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 20_000 } },
      { test: { name: 'integration', include: ['test/integration/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 } },
      // One suite over every Store (test/conformance/store-*.ts), run against LMDB and memory; LMDB's crash run kills children.
      { test: { name: 'conformance', include: ['test/conformance/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 60_000 } },
      // The runtime's own tests again, on the memory store (test/helpers/test-store.ts).
      { test: { name: 'memory-store', include: ['test/integration/runtime/runtime.test.ts', 'test/integration/runtime/pause-retry.test.ts'], env: { HOLDFAST_TEST_STORE: 'memory' }, testTimeout: 60_000, hookTimeout: 60_000 } },
      // And on a store with only asynchronous reads (no `sync`), as a store over a network answers.
      { test: { name: 'async-store', include: ['test/integration/runtime/runtime.test.ts', 'test/integration/runtime/pause-retry.test.ts'], env: { HOLDFAST_TEST_STORE: 'async' }, testTimeout: 60_000, hookTimeout: 60_000 } },
      {
        test: {
          name: 'crash',
          include: ['test/crash/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Headless Debian chromium driven by playwright-core (scripts/ensure-chromium.sh installs it).
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
