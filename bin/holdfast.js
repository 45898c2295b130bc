#!/usr/bin/env node
// The published entry point: the compiled CLI (built by `npm run build`, which `npm ci` runs),
// run in a child process whose death by SIGBUS or SIGSEGV (a damaged store) is reported as
// STORE_CORRUPT instead of a bare signal exit (dist/cli/cli-supervisor.js says why).
import { fileURLToPath } from 'node:url';
import { superviseCli } from '../dist/cli/cli-supervisor.js';

process.exitCode = await superviseCli(fileURLToPath(new URL('../dist/cli/cli-child.js', import.meta.url)), process.argv.slice(2));
