/**
 * Data files over HTTP (docs/http-api.md):
 *   GET    /api/datafiles                       every file: name, size, modifiedAt, sha256, owner
 *   GET    /api/datafiles/NAME[?content=1]      one file's metadata, or its bytes
 *   GET    /api/datafiles/NAME/content          its bytes
 *   PUT    /api/datafiles/NAME                  upload (application/octet-stream), streamed to disk
 *   DELETE /api/datafiles/NAME                  owner or superuser
 * NAME is decoded once by the router; what is left must still be a plain
 * name (a remaining percent-escape means double encoding: refused), and the
 * job server's data files refuse `..`, `/`, `\`, NUL and symbolic links.
 * An upload whose Content-Length passes the limit is refused before a byte is
 * read; one without (chunked) is counted while it streams and cut at the limit.
 */
import type { IncomingMessage } from 'node:http';
import { PassThrough, Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HoldfastError } from '../../errors.js';
import type { JobServer } from './job-server-api.js';
import { dataFileParams, errorJson, querySchema } from './api-schemas.js';
import { accessOfRequest } from './http-access.js';

type NameParams = { Params: { name: string }; Querystring: { content?: string } };
const tags = ['data files'];
const response = { '4xx': errorJson, '5xx': errorJson };

/** A name the router decoded once; a percent-escape left in it was encoded twice. */
function nameOf(request: FastifyRequest<NameParams>): string {
  const { name } = request.params;
  if (/%[0-9a-f]{2}/i.test(name)) throw new HoldfastError('INVALID_INPUT', `the data file name ${JSON.stringify(name)} still holds a percent-escape after decoding: encode a name once`);
  return name;
}

/** The upload's body in the OpenAPI document (it has no JSON Schema for Fastify to validate: it streams unread). */
export function documentUpload(openapi: { paths?: Record<string, Record<string, Record<string, unknown>>> }): void {
  const put = openapi.paths?.['/api/datafiles/{name}']?.put;
  if (put) put.requestBody = { required: true, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } };
}

export async function dataFileRoutes(app: FastifyInstance, jobServer: JobServer): Promise<void> {
  const files = jobServer.dataFiles;
  await app.register(async (scope) => {
    // Only uploads carry a body here, and only as raw bytes handed on unread.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('application/octet-stream', (request: FastifyRequest, payload: IncomingMessage, done: (error: Error | null, body?: unknown) => void) => {
      const declared = Number(request.headers['content-length']);
      if (Number.isFinite(declared) && declared > files.maxBytes) return done(new HoldfastError('PAYLOAD_TOO_LARGE', `an upload is at most ${files.maxBytes} bytes; this one declares ${declared}`));
      done(null, payload);
    });

    scope.get('/api/datafiles', { schema: { tags, summary: 'list the data files', querystring: querySchema(), response } }, async () => ({ files: await files.list() }));

    const stream = async (name: string, reply: FastifyReply) => {
      const info = await files.stat(name);
      return reply
        .header('content-type', 'application/octet-stream')
        .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(info.name)}`)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-store')
        .send(files.read(name));
    };

    scope.get<NameParams>(
      '/api/datafiles/:name',
      { schema: { tags, summary: "a data file's metadata (?content=1: its bytes)", params: dataFileParams, querystring: querySchema({ content: { type: 'string', enum: ['0', '1', 'true', 'false'] } }), response } },
      async (request, reply) => {
        const name = nameOf(request);
        if (request.query.content === '1' || request.query.content === 'true') return stream(name, reply);
        return files.stat(name);
      },
    );

    scope.get<NameParams>('/api/datafiles/:name/content', { schema: { tags, summary: "a data file's bytes", params: dataFileParams, querystring: querySchema(), response } }, async (request, reply) =>
      stream(nameOf(request), reply),
    );

    scope.put<NameParams>(
      '/api/datafiles/:name',
      {
        schema: {
          tags,
          summary: 'upload a data file (application/octet-stream; registered extensions; replaces only your own)',
          params: dataFileParams,
          querystring: querySchema(),
          consumes: ['application/octet-stream'],
          response,
        },
      },
      async (request, reply) => {
        const name = nameOf(request);
        if (!(request.body instanceof Readable)) throw new HoldfastError('UNSUPPORTED_MEDIA_TYPE', 'an upload is the raw bytes of the file, sent as application/octet-stream');
        const existed = (await files.list()).some((file) => file.name === name);
        // The job server may destroy the body it refuses: a pipe keeps that from destroying the socket before the answer.
        const body = new PassThrough();
        const upload = request.body;
        upload.pipe(body);
        // A client gone mid-upload fails the write, which removes its temporary file.
        upload.once('error', (error) => body.destroy(error));
        upload.once('close', () => upload.readableEnded || body.destroy(new HoldfastError('INVALID_INPUT', 'the client closed the connection before the upload ended')));
        try {
          const info = await files.write(accessOfRequest(request).principal, name, body);
          return await reply.code(existed ? 200 : 201).send(info);
        } catch (error) {
          // The rest of the body is never read: the connection ends with the answer.
          upload.unpipe(body);
          reply.header('connection', 'close');
          throw error;
        }
      },
    );

    scope.delete<NameParams>('/api/datafiles/:name', { schema: { tags, summary: 'delete a data file (owner or superuser)', params: dataFileParams, querystring: querySchema(), response } }, async (request, reply) => {
      await files.remove(accessOfRequest(request).principal, nameOf(request));
      return reply.code(204).send();
    });
  });
}
