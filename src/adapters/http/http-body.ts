/** Request bodies for the HTTP API: read whole, up to a size, as UTF-8. */
import type { IncomingMessage } from 'node:http';
import { HoldfastError } from '../../errors.js';

/**
 * Reads a body of at most `maxBytes`.
 * @throws INVALID_INPUT past the limit: the rest is discarded unread, so the answer still reaches the client
 */
export function readBody(request: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    request.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > maxBytes) {
        refused = true;
        chunks.length = 0;
        return reject(new HoldfastError('INVALID_INPUT', `a request body is at most ${maxBytes} bytes`));
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
