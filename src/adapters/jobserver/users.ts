/**
 * Job-server users: a name, a superuser flag, limits on simultaneous and total
 * jobs, and an API token. A token is 32 random bytes (base64url), shown once;
 * the store keeps only its sha256. `authenticate` hashes the token and
 * compares it with every user's hash in constant time (no early exit), so
 * neither a prefix nor which user matched can be timed.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { HoldfastError } from '../../errors.js';
import type { RecordsApi } from '../../runtime/runtime.js';
import { SERVE_TOKEN_USERS } from '../http/job-server-api.js';
import type { Principal, UsersApi } from './job-server.types.js';

export const USERS = 'jobServerUsers';

export interface UserRecord {
  name: string;
  superuser: boolean;
  maxRunning?: number;
  maxTotal?: number;
  /** sha256 of the token, hex. */
  tokenHash: string;
  createdAt: number;
}

const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const RESERVED = new Set<string>(Object.values(SERVE_TOKEN_USERS));

export interface Users extends UsersApi {
  /** A user's record (limits), if the principal is a registered user. */
  record(name: string): Promise<UserRecord | undefined>;
}

export function openUsers(records: Pick<RecordsApi, 'get' | 'scan' | 'put'>, now: () => number = Date.now): Users {
  return {
    async add(name, options = {}) {
      const problems: string[] = [];
      if (typeof name !== 'string' || !USER_NAME.test(name)) problems.push(`user name ${JSON.stringify(name)} must be 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit`);
      else if (RESERVED.has(name)) problems.push(`user name ${name} is reserved: \`holdfast serve\`'s ${name === SERVE_TOKEN_USERS.admin ? 'admin' : 'read-only'} token acts as ${name}`);
      for (const limit of ['maxRunning', 'maxTotal'] as const) {
        const value = options[limit];
        if (value !== undefined && (!Number.isInteger(value) || value <= 0)) problems.push(`${limit} must be a positive integer, got ${String(value)}`);
      }
      if (problems.length > 0) throw new HoldfastError('INVALID_INPUT', `cannot add user: ${problems.join('; ')}`, { details: { problems } });
      if ((await records.get(USERS, name)) !== undefined) throw new HoldfastError('INVALID_INPUT', `user ${name} exists already`, { details: { name } });
      const token = randomBytes(32).toString('base64url');
      const record: UserRecord = {
        name,
        superuser: options.superuser === true,
        ...(options.maxRunning !== undefined ? { maxRunning: options.maxRunning } : {}),
        ...(options.maxTotal !== undefined ? { maxTotal: options.maxTotal } : {}),
        tokenHash: hashToken(token),
        createdAt: now(),
      };
      await records.put(USERS, name, record);
      return { name, token };
    },
    async authenticate(token) {
      if (typeof token !== 'string' || token.length === 0 || token.length > 512) return undefined;
      const presented = Buffer.from(hashToken(token), 'hex');
      let found: Principal | undefined;
      for (const { value } of await records.scan<UserRecord>(USERS)) {
        const stored = Buffer.from(value.tokenHash, 'hex');
        // Every user is compared, match or not: the time does not depend on where the match is.
        const equal = stored.length === presented.length && timingSafeEqual(stored, presented);
        if (equal && !found) found = { user: value.name, superuser: value.superuser };
      }
      return found;
    },
    list: async () => (await records.scan<UserRecord>(USERS)).map(({ value }) => ({ name: value.name, superuser: value.superuser, ...(value.maxRunning !== undefined ? { maxRunning: value.maxRunning } : {}), ...(value.maxTotal !== undefined ? { maxTotal: value.maxTotal } : {}) })),
    record: (name) => records.get<UserRecord>(USERS, name),
  };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
