/**
 * The page's WebSocket to the inspector: the token from the page's own address,
 * requests answered by `ref`, reconnection with backoff (the server sends a new
 * summary on every connection).
 */
import type { ClientRequest, ServerMessage } from '../adapters/inspector/inspector-protocol.js';

export interface ConnectionHandlers {
  onOpen(): void;
  onClose(): void;
  /** The server closed with TOKEN_ROTATED_CLOSE: this token is no longer valid; no reconnection follows. */
  onRevoked(reason: string): void;
  onMessage(message: ServerMessage): void;
}

/** The close code the server sends when the tokens were rotated (src/adapters/http/http-server.ts). */
export const TOKEN_ROTATED_CLOSE = 4001;

const BACKOFF_MS = [500, 1_000, 2_000, 5_000];

export class Connection {
  private socket: WebSocket | undefined;
  private nextRef = 1;
  private attempts = 0;
  private readonly pending = new Map<number, { resolve: (message: ServerMessage) => void; reject: (error: Error) => void }>();

  constructor(
    private readonly url: string,
    private readonly handlers: ConnectionHandlers,
  ) {}

  open(): void {
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => {
      this.attempts = 0;
      this.handlers.onOpen();
    };
    socket.onmessage = (event: MessageEvent<string>) => {
      let message: ServerMessage;
      try {
        message = JSON.parse(event.data) as ServerMessage;
      } catch {
        return;
      }
      const ref = 'ref' in message ? message.ref : undefined;
      const waiter = typeof ref === 'number' ? this.pending.get(ref) : undefined;
      if (waiter && typeof ref === 'number') {
        this.pending.delete(ref);
        if (message.type === 'error') waiter.reject(new Error(`[${message.code}] ${message.message}`));
        else waiter.resolve(message);
      }
      this.handlers.onMessage(message);
    };
    socket.onclose = (event: CloseEvent) => {
      for (const waiter of this.pending.values()) waiter.reject(new Error('the connection closed'));
      this.pending.clear();
      if (event.code === TOKEN_ROTATED_CLOSE) return this.handlers.onRevoked(event.reason);
      this.handlers.onClose();
      const delay = BACKOFF_MS[Math.min(this.attempts++, BACKOFF_MS.length - 1)]!;
      setTimeout(() => this.open(), delay);
    };
  }

  /** Sends a message that gets no reply (`dagStats` with id null); dropped when not connected. */
  notify(message: ClientRequest): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  /** Sends a request; resolves with its reply (rejects with the error frame's message). */
  request(message: ClientRequest): Promise<ServerMessage> {
    const ref = this.nextRef++;
    return new Promise((resolve, reject) => {
      if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return reject(new Error('not connected'));
      this.pending.set(ref, { resolve, reject });
      this.socket.send(JSON.stringify({ ...message, ref }));
    });
  }
}
