/**
 * A V8 CPU profile (`node --cpu-prof`) summed by part of a durable step. Each
 * sample goes to the innermost frame that names a part; an encodeRecord call
 * counts for the record it encodes (actor record or journal entry). Pure.
 */

export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileParts {
  totalMs: number;
  /** Everything but `(idle)`. */
  busyMs: number;
  /** Largest first; idle left out. */
  rows: { part: string; ms: number }[];
}

// Frames of src/*.ts (tsx) or dist/*.js (the shipped code, as the bench runs it).
type Frame = { functionName: string; url: string };

/** The part a frame names, or undefined to look at its caller. */
function partOf(frame: Frame, caller: Frame | undefined): string | undefined {
  const { functionName: name, url } = frame;
  if (name === '(garbage collector)') return 'garbage collection';
  if (name === '(program)') return 'V8 and Node internals';
  if (name === 'encodeJournalEntry') return 'journal entry: encode';
  if (name === 'encodeActorRecord') return 'actor record: encode (JSON + CRC-32)';
  if (name === 'encodeRecord') {
    if (caller?.functionName === 'encodeActorRecord') return 'actor record: encode (JSON + CRC-32)';
    if (caller?.functionName === 'encodeJournalEntry') return 'journal entry: encode';
    return 'other records: encode';
  }
  if (url.includes('/node_modules/lmdb/') || url.includes('/node_modules/ordered-binary/')) return 'LMDB: puts, commit hand-off, flush (main thread)';
  if (/\/persistence\/(lmdb-store|actor-chains|index-keys|commit-chain)\.[jt]s/.test(url)) return 'store: plan writes, index keys, commit chain';
  if (url.includes('/node_modules/xstate/') || /\/runtime\/(pure-transition|snapshot-codec|state-name)\.[jt]s/.test(url)) return 'XState: transition and snapshot';
  if (/\/runtime\/step-plan\.[jt]s/.test(url)) return 'step plan (effects, timers, messages)';
  if (/\/runtime\/(effect-launcher|effect-runner|limiter|effect)\.[jt]s/.test(url) || url === 'node:internal/abort_controller') return 'effects: start, limiter, AbortSignal';
  if (/\/runtime\/committer\.[jt]s/.test(url)) return 'committer (group commit, acknowledgement)';
  if (/\/runtime\/runtime-events\.[jt]s/.test(url)) return 'runtime events';
  if (/\/runtime\/(actor-host|runtime)\.[jt]s/.test(url)) return 'actor host (step loop, mailboxes)';
  if (url.includes('/bench/')) return 'bench harness (producer, latency samples)';
  return undefined;
}

export function categorise(profile: CpuProfile): ProfileParts {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const memo = new Map<number, string>();
  const partOfNode = (id: number): string => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') return '(idle)';
    const callerId = parent.get(id);
    const caller = callerId === undefined ? undefined : byId.get(callerId)?.callFrame;
    const part = partOf(node.callFrame, caller) ?? (callerId === undefined ? 'V8 and Node internals' : partOfNode(callerId));
    memo.set(id, part);
    return part;
  };
  const ms = new Map<string, number>();
  let totalMs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = (profile.timeDeltas[i] ?? 0) / 1000;
    totalMs += delta;
    const part = partOfNode(profile.samples[i]!);
    ms.set(part, (ms.get(part) ?? 0) + delta);
  }
  const idle = ms.get('(idle)') ?? 0;
  ms.delete('(idle)');
  const rows = [...ms].map(([part, value]) => ({ part, ms: value })).sort((a, b) => b.ms - a.ms);
  return { totalMs, busyMs: totalMs - idle, rows };
}
