/**
 * What a kind of work adds to the inspector (issue 18): requests a client may
 * send that the inspector itself does not answer (a batch job's DAG, its
 * exception queue, resolve, reprocess), and its jobs' rows in its own words.
 * A kind's registration builds one (`WorkKind.inspector`); the inspector routes
 * a request by its `type` to the kind that registered it, and names no kind.
 */
import { HoldfastError } from '../../errors.js';
import type { ActorRecord } from '../../runtime/actor-types.js';
import type { Runtime } from '../../runtime/runtime.js';
import type { Role } from './inspector-protocol.js';

/** A server message for the client, without `ref`: the inspector adds the request's. */
export type InspectorReply = { readonly type: string } & Readonly<Record<string, unknown>>;

/** What a kind's answer may use besides its params. */
export interface RequestContext {
  readonly runtime: Runtime;
  readonly role: Role;
  /** Sends one more reply to this request, with its `ref` (a long command's outcome). */
  reply(message: InspectorReply): void;
  /** Sends an error frame for this request, with its `ref` (a HoldfastError's code, else INVALID_INPUT). */
  fail(error: unknown): void;
}

/** A request that makes its client follow a job: the client is pushed the job's view while the job changes. */
export interface InspectorFollow<P> {
  /** The job the request follows; null stops following, unanswered. */
  job(params: P): string | null;
  /** The view pushed when the job's tree changed; a JOB_NOT_FOUND thrown here (a deleted job) pushes nothing. */
  push(job: string): InspectorReply | Promise<InspectorReply>;
  /** A followed job is pushed at most this often (a running job changes every chunk). */
  readonly everyMs: number;
}

/** One request type a kind answers. */
export interface InspectorRequest<P = unknown> {
  /** Needs an admin token (FORBIDDEN otherwise), and counts against the connection's commands in flight until `answer` settles. */
  readonly admin?: boolean;
  /**
   * The message's fields (without `type` and `ref`), checked whole: its params.
   * What it throws is answered BAD_MESSAGE with its message (`parseFields` words zod's issues).
   */
  parse(fields: Readonly<Record<string, unknown>>): P;
  /** Its reply, or none (`context.reply` sends more). A throw or a rejection is answered with an error frame. */
  answer(params: P, context: RequestContext): InspectorReply | void | Promise<InspectorReply | void>;
  /** Present when answering follows a job: the answer is sent, then the job's view is pushed as it changes. */
  readonly follow?: InspectorFollow<P>;
}

/** What a job row shows of a kind that says more than its machine's state. */
export interface JobWords {
  words: string;
  progress: { done: number; total: number };
}

/** A kind's part in the inspector. */
export interface KindInspector {
  /** Requests by message type; a type the inspector answers itself, or another kind's, is refused (INVALID_OPTIONS). */
  readonly requests?: Readonly<Record<string, InspectorRequest>>;
  /** The machines whose jobs `describeJob` words. */
  readonly jobs?: readonly string[];
  /** A job row's state in the kind's words and its progress (read on each change of the row: keep it cheap). */
  describeJob?(record: ActorRecord): JobWords | undefined | Promise<JobWords | undefined>;
}

/** Types `request`'s params from its `parse` (a kind's requests differ in params). */
export function inspectorRequest<P>(request: InspectorRequest<P>): InspectorRequest {
  return request as InspectorRequest;
}

/** The kinds' inspectors as the hub routes them: requests by type, job words by machine. */
export interface RoutedInspectors {
  requests: ReadonlyMap<string, InspectorRequest>;
  describeJob(record: ActorRecord): JobWords | undefined | Promise<JobWords | undefined>;
}

/**
 * Indexes the kinds' inspectors; `coreTypes` are the types the inspector answers itself.
 * @throws INVALID_OPTIONS for a type registered twice, or one of `coreTypes`
 */
export function routeInspectors(inspectors: readonly KindInspector[], coreTypes: ReadonlySet<string>): RoutedInspectors {
  const requests = new Map<string, InspectorRequest>();
  const byMachine = new Map<string, KindInspector>();
  for (const inspector of inspectors) {
    for (const [type, request] of Object.entries(inspector.requests ?? {})) {
      if (coreTypes.has(type) || requests.has(type)) throw new HoldfastError('INVALID_OPTIONS', `inspector request type ${JSON.stringify(type)} is ${coreTypes.has(type) ? "the inspector's own" : 'registered by two kinds'}`, { details: { type } });
      requests.set(type, request);
    }
    for (const machine of inspector.jobs ?? []) byMachine.set(machine, inspector);
  }
  return { requests, describeJob: (record) => byMachine.get(record.machine)?.describeJob?.(record) };
}
