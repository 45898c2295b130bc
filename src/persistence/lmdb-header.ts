/**
 * A look at an LMDB environment's meta pages before lmdb-js opens it.
 *
 * Why: lmdb-js 3.5 kills the process with SIGSEGV when `open()` meets a file
 * that is not a sound LMDB environment (garbage over data.mdb, a truncated
 * file, a damaged meta page), instead of returning MDB_INVALID (measured here:
 * exit 139 in every such case). A store that cannot be read must be refused
 * with STORE_CORRUPT and left as it is (RELIABILITY.md), so the two meta pages
 * are checked first, as LMDB's own `mdb_env_read_header` would:
 *
 *   offset 18  uint16  page flags, P_META (0x08) set
 *   offset 24  uint32  magic 0xBEEFC0DE
 *   offset 28  uint32  data version (low 16 bits) 2
 *   offset 48  uint32  page size (mm_dbs[FREE_DBI].md_pad), a power of two
 *   offset 88  uint64  md_root of the free-page tree (P_INVALID when empty)
 *   offset 136 uint64  md_root of the main tree (P_INVALID when empty)
 *   offset 152 uint64  mm_txnid; LMDB reads the meta page with the higher one
 *
 * for page 0 at offset 0 and page 1 at offset `page size` (little-endian, the
 * only byte order lmdb-js builds for here; offsets measured on lmdb-js 3.5's
 * LMDB, whose page header is 24 bytes). The file must also hold every page the
 * current meta page counts: lmdb-js maps the file and dies of SIGBUS reading a
 * page past its end (measured: exit 135 on a store cut to 100,000 bytes). And
 * an empty data.mdb is refused too: lmdb-js 3.5 dies of SIGSEGV opening one
 * (exit 139) rather than initialising it, and LMDB writes the meta pages when
 * it creates the file, so an empty one was cut short by something else.
 * Damage inside the pages is not found here (LMDB keeps no page checksums);
 * record values carry their own (record-codec.ts), and the CLI reports a
 * process killed by a damaged page (cli-supervisor.ts).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { HoldfastError } from '../errors.js';

const P_META = 0x08;
const MDB_MAGIC = 0xbeefc0de;
const MDB_DATA_VERSION = 2;
/** md_root of mm_dbs[FREE_DBI] and of mm_dbs[MAIN_DBI]: the last field of each 48-byte MDB_db. */
const FREE_ROOT = 88;
const MAIN_ROOT = 136;
/** P_INVALID: an empty tree has no root. */
const NO_PAGE = 0xffffffffffffffffn;
const TXNID = 152;
const HEADER_BYTES = 160;

/**
 * Throws STORE_CORRUPT unless `dataFile` is missing (LMDB creates it) or starts
 * with two sound meta pages and holds every page they count. Reads only; never writes the file.
 */
export function assertLmdbEnvironment(dataFile: string, storePath: string): void {
  let fd: number;
  try {
    fd = openSync(dataFile, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new HoldfastError('STORE_CORRUPT', `store ${storePath} cannot be read: ${(error as Error).message}`, { cause: error, details: { path: storePath } });
  }
  try {
    const size = fstatSync(fd).size;
    const problem = inspect(fd, size);
    if (problem) {
      throw new HoldfastError('STORE_CORRUPT', `store ${storePath} is not a sound LMDB environment (${problem}); it was left as it is`, {
        details: { path: storePath, file: dataFile, size },
      });
    }
  } finally {
    closeSync(fd);
  }
}

/** The first thing wrong with the meta pages, or undefined when both look sound. */
function inspect(fd: number, size: number): string | undefined {
  if (size === 0) return 'data.mdb is empty, 0 bytes';
  const first = readAt(fd, 0);
  const firstProblem = metaProblem(first, 0);
  if (firstProblem) return firstProblem;
  const pageSize = first.readUInt32LE(48);
  if (pageSize < 512 || pageSize > 65_536 || (pageSize & (pageSize - 1)) !== 0) return `meta page 0 gives page size ${pageSize}`;
  if (size < 2 * pageSize) return `file is ${size} bytes, shorter than its two meta pages of ${pageSize}`;
  const second = readAt(fd, pageSize);
  const secondProblem = metaProblem(second, 1);
  if (secondProblem) return secondProblem;
  const current = first.readBigUInt64LE(TXNID) >= second.readBigUInt64LE(TXNID) ? first : second;
  // Not mm_last_pg: pages a transaction took and freed again (LMDB's loose pages) count there but are
  // never written, so a sound file may end before it (seen beside a live writer). The trees' roots are written.
  // The size is taken again now, after the meta pages were read: a writer beside this may have committed
  // since the first look, and LMDB writes a transaction's pages before its meta page, so a file measured
  // after its meta was read holds every page that meta names (measured first, a sound store beside a
  // live watch was refused: 2,333 pages, its new free root at 2,376).
  size = fstatSync(fd).size;
  const pagesInFile = BigInt(size) / BigInt(pageSize);
  for (const [name, offset] of [['free', FREE_ROOT], ['main', MAIN_ROOT]] as const) {
    const root = current.readBigUInt64LE(offset);
    if (root !== NO_PAGE && root >= pagesInFile) {
      return `file is ${size} bytes (${pagesInFile} pages of ${pageSize}), too short for page ${root}, the root of its ${name} tree`;
    }
  }
  return undefined;
}

function metaProblem(page: Buffer, index: number): string | undefined {
  if (page.length < HEADER_BYTES) return `meta page ${index} is cut short`;
  if ((page.readUInt16LE(18) & P_META) === 0) return `page ${index} is not a meta page`;
  if (page.readUInt32LE(24) !== MDB_MAGIC) return `meta page ${index} has no LMDB magic`;
  const version = page.readUInt32LE(28) & 0xffff;
  if (version !== MDB_DATA_VERSION) return `meta page ${index} has data version ${version}, expected ${MDB_DATA_VERSION}`;
  return undefined;
}

function readAt(fd: number, offset: number): Buffer {
  const buffer = Buffer.alloc(HEADER_BYTES);
  const read = readSync(fd, buffer, 0, HEADER_BYTES, offset);
  return buffer.subarray(0, read);
}
