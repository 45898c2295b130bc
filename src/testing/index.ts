/**
 * `holdfast/testing`: what tests of holdfast and of host applications use.
 * A simulated clock, the named fault points, the store's invariant check, and a
 * local Dataverse stand-in that answers as Dataverse 5.14 or 6.11 does.
 */

// Time
export { SimulatedClock } from './simulated-clock.js';

// Fault points (crash tests)
export { FAULT_POINTS, armFaultPoints, armFaultPointsFromSpec, disarmFaultPoints } from '../runtime/fault-points.js';
export type { FaultPointName } from '../runtime/fault-points.js';

// Invariants (RELIABILITY.md, I1 to I8)
export { verifyStore } from '../runtime/verify-store.js';
export type { StoreReport, StoreViolation, VerifyOptions } from '../runtime/verify-store.js';

// A Dataverse stand-in (docs/dataverse.md): the calls of a data load, with faults on request
export { startDataverseStandin } from '../adapters/dataverse/dataverse-standin.js';
export type {
  DataverseRelease,
  DataverseStandin,
  DataverseStandinOptions,
  RegisteredFile,
  StandinDatasetConfig,
  StandinFaults,
} from '../adapters/dataverse/dataverse-standin.js';
