#!/usr/bin/env node
// The published entry point: the compiled CLI (built by `npm run build`, which `npm ci` runs).
import { main } from '../dist/cli/main.js';

// A reader that stops early (`holdfast exceptions ID | head`) is not an error: the command
// finishes its work quietly instead of dying on EPIPE halfway through closing the store.
process.stdout.on('error', (error) => {
  if (error.code !== 'EPIPE') throw error;
  process.stdout.write = () => true;
});

process.exitCode = await main(process.argv.slice(2));
