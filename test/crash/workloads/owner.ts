/**
 * Crash workload: owns a store (the default assembly, listening on its socket)
 * until killed or sent SIGTERM. Prints READY once open. Usage: owner.ts STORE
 */
import { openHoldfast } from '../../../src/cli/assembly.js';

const holdfast = await openHoldfast({ store: process.argv[2]! });
console.log('READY');
process.once('SIGTERM', () => void holdfast.close().then(() => process.exit(0)));
