/**
 * `holdfast/testing`: what tests of holdfast and of host applications use.
 * A simulated clock, the named fault points, and the store's invariant check.
 */

// Time
export { SimulatedClock } from './simulated-clock.js';

// Fault points (crash tests)
export { FAULT_POINTS, armFaultPoints, armFaultPointsFromSpec, disarmFaultPoints } from './fault-points.js';
export type { FaultPointName } from './fault-points.js';

// Invariants (RELIABILITY.md, I1 to I8)
export { verifyStore } from '../runtime/verify-store.js';
export type { StoreReport, StoreViolation, VerifyOptions } from '../runtime/verify-store.js';
