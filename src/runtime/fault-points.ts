/**
 * Named fault points (STYLE.md): inert unless a test arms them, listed here so
 * the crash tests can walk them all. The runtime owns them (its committer and step
 * loop reach them, and adapters through the effect layer); `holdfast/testing`
 * re-exports the arming side. An armed point kills its own process with
 * SIGKILL the n-th time it is reached: the crash happens exactly there.
 */

/** Every fault point in holdfast, by layer. */
export const FAULT_POINTS = [
  'committer.beforeCommit',
  'committer.afterCommitBeforeEffects',
  'effect.afterRunBeforeCommit',
  'datafile.afterCopyBeforeCommit',
  'dataload.afterRegisterBeforeCommit',
] as const;

export type FaultPointName = (typeof FAULT_POINTS)[number];

const armed = new Map<string, number>();

/** Arms points: each kills the process on its `hits`-th visit (default the first). */
export function armFaultPoints(points: Iterable<string>, hits = 1): void {
  for (const point of points) armed.set(point, hits);
}

/** Arms from a spec like `committer.beforeCommit:3,datafile.afterCopyBeforeCommit` (crash-test workloads). */
export function armFaultPointsFromSpec(spec: string | undefined): void {
  for (const part of (spec ?? '').split(',').filter(Boolean)) {
    const [name, hits] = part.split(':');
    armed.set(name!, Number(hits ?? 1));
  }
}

export function disarmFaultPoints(): void {
  armed.clear();
}

/** Marks a place where a crash must be survivable. Costs one map lookup when nothing is armed. */
export function faultPoint(name: FaultPointName): void {
  if (armed.size === 0) return;
  const left = armed.get(name);
  if (left === undefined) return;
  if (left > 1) return void armed.set(name, left - 1);
  process.kill(process.pid, 'SIGKILL');
}
