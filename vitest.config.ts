import { defineConfig } from 'vitest/config';

// Test tiers (STYLE.md): unit (no disk), integration (real LMDB, files, sockets), conformance (every store),
// crash (child processes killed with SIGKILL; one file at a time), browser (headless Chromium).
export default defineConfig({
  test: {
    // Two files at once on CI's two cores (the default, cores - 1, ran every file one after another):
    // most tests wait on child processes, sockets and timers, not on the CPU. The crash and browser
    // tiers still run their own files one at a time.
    maxWorkers: 2,
    projects: [
      // Unit tests share one module graph per worker (no disk, no process state between files):
      // measured 74 s -> 25 s for the tier's 496 tests on two cores.
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 20_000, isolate: false } },
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
          fileParallelism: false,
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
