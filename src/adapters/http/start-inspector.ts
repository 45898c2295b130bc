/**
 * `startInspector(runtime, options)`: the live inspector embedded in a host
 * application, on its own port: the page at `/`, the WebSocket at `/ws`,
 * `/health`. The runtime knows nothing of it; it only listens to the runtime's
 * events and reads through its query methods. It is the HTTP server's, beside
 * it, so that the inspector's folder imports no other adapter.
 */
import { startServer, type ServerHandle, type ServerOptions } from './http-server.js';
import type { Runtime } from '../../runtime/runtime.js';

export type InspectorOptions = ServerOptions;
export type InspectorHandle = ServerHandle;

/**
 * Starts the inspector for `runtime`. Pass the machines registered with the
 * runtime (`machines`) to draw their statecharts and count actors per state,
 * and what the kinds of work add (`inspectors`: `inspectorsOf(kinds, ...)`, or
 * `batchJobInspector(runtime, batchJobs, applications)` for batch jobs' DAG
 * statistics and exception queues).
 * Binds 127.0.0.1; every connection needs one of `tokens` (random ones are
 * made for the roles not given: read them from the handle).
 * @default port 7480, host '127.0.0.1'
 * @example
 * const inspector = await startInspector(runtime, { port: 0, machines });
 * console.log(`inspector: ${inspector.url}`);
 * await inspector.close();
 */
export function startInspector(runtime: Runtime, options: InspectorOptions = {}): Promise<InspectorHandle> {
  return startServer(runtime, options);
}
