/**
 * What a batch job's child key means, in words a person reads: `b0.r2` is
 * "batch 0, run 2", `x3.r4` "reprocessing of batch 3's open exceptions,
 * run 4" (a `holdfast reprocess` run re-runs only the items that failed),
 * `sample.r1` "sample, run 1". Keys are made by `batchKey` (batch-job.machine.ts).
 */

/** The words for a child key of a batch job, or undefined for a key that names no batch. */
export function describeBatchKey(key: string): string | undefined {
  const match = /^(?:(sample)|([bx])(\d+))\.r(\d+)$/.exec(key);
  if (!match) return undefined;
  const [, sample, kind, batch, run] = match;
  if (sample) return `sample, run ${run}`;
  return kind === 'x' ? `reprocessing of batch ${batch}'s open exceptions, run ${run}` : `batch ${batch}, run ${run}`;
}

/** The words for an actor id under a batch job (`JOB/b0.r2`), or undefined. */
export function describeBatchChild(id: string): string | undefined {
  const slash = id.lastIndexOf('/');
  return slash < 0 ? undefined : describeBatchKey(id.slice(slash + 1));
}
