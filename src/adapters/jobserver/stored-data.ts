/**
 * Stored data: JSON kept in holdfast's store (`storedData` records) with a
 * `datatype` whose converter, registered by the host module, turns it into the
 * value a process gets. The sha256 of its canonical JSON (keys sorted) is kept
 * with it; a job copies the value and hash at submit, so its run stays
 * reproducible after the stored data changes or goes. A user reads and uses
 * only their own entries; a superuser (and the serve tokens) every one.
 */
import { randomBytes } from 'node:crypto';
import { HoldfastError } from '../../errors.js';
import type { RecordsApi } from '../../runtime/runtime.js';
import { canonicalHash, parseRequest } from './canonical-json.js';
import type { Principal, StoredDataApi, StoredDataView } from './job-server.types.js';
import { storedDataRequestSchema } from '../http/process-job-request.js';

export const STORED_DATA = 'storedData';
/** Stored values travel into jobs (and their journal): kept small. */
export const MAX_STORED_BYTES = 4 * 1024 * 1024;

export interface StoredRecord extends StoredDataView {
  value: unknown;
}

export function openStoredData(records: Pick<RecordsApi, 'get' | 'scan' | 'put' | 'delete'>, datatypes: Record<string, unknown>, now: () => number = Date.now): StoredDataApi {
  const view = ({ id, owner, datatype, createdAt, sha256 }: StoredRecord): StoredDataView => ({ id, owner, datatype, createdAt, sha256 });
  const mayRead = (principal: Principal, record: StoredRecord): boolean => principal.superuser || record.owner === principal.user;
  // Another user's entry is answered as missing, as another user's job is: its id tells nothing.
  const find = async (principal: Principal, id: string): Promise<StoredRecord> => {
    const record = typeof id === 'string' && id.length > 0 && id.length <= 200 ? await records.get<StoredRecord>(STORED_DATA, id) : undefined;
    if (!record || !mayRead(principal, record)) throw new HoldfastError('DATA_NOT_FOUND', `no stored data with id ${JSON.stringify(String(id)).slice(0, 220)}`, { details: { id: String(id).slice(0, 200) } });
    return record;
  };
  return {
    async put(principal: Principal, body: unknown) {
      const request = parseRequest(storedDataRequestSchema, body, 'stored data');
      if (!Object.hasOwn(datatypes, request.datatype)) {
        const known = Object.keys(datatypes).sort();
        throw new HoldfastError('INVALID_INPUT', `datatype ${JSON.stringify(request.datatype)} is not registered (registered: ${known.length > 0 ? known.join(', ') : 'none'})`, { details: { datatype: request.datatype } });
      }
      const { sha256, bytes } = canonicalHash(request.value);
      if (bytes > MAX_STORED_BYTES) throw new HoldfastError('PAYLOAD_TOO_LARGE', `stored data is ${bytes} bytes of JSON; the limit is ${MAX_STORED_BYTES}`, { details: { bytes, limit: MAX_STORED_BYTES } });
      const record: StoredRecord = { id: `sd-${now().toString(36)}${randomBytes(4).toString('hex')}`, owner: principal.user, datatype: request.datatype, createdAt: now(), sha256, value: request.value };
      await records.put(STORED_DATA, record.id, record);
      return view(record);
    },
    async get(principal, id) {
      const record = await find(principal, id);
      return { ...view(record), value: record.value };
    },
    list: async (principal) =>
      (await records.scan<StoredRecord>(STORED_DATA))
        .filter(({ value }) => mayRead(principal, value))
        .map(({ value }) => view(value)),
    async remove(principal, id) {
      const record = await find(principal, id);
      if (!principal.superuser && record.owner !== principal.user) {
        throw new HoldfastError('FORBIDDEN', `stored data ${id} belongs to ${record.owner}: only its owner or a superuser may delete it`, { details: { id } });
      }
      await records.delete(STORED_DATA, id);
    },
  };
}
