/** The conformance suite on the LMDB store, each test in a fresh folder; reopened by its path. */
import { join } from 'node:path';
import { openLmdbStore } from '../../src/persistence/lmdb-store.js';
import { tempFolder } from '../helpers/temp-store.js';
import type { StoreUnderTest } from './conformance-fixtures.js';
import { storeCommits } from './store-commits.js';
import { storeOperations } from './store-operations.js';
import { storeRetention } from './store-retention.js';

const lmdb: StoreUnderTest = {
  open: async () => openLmdbStore(join(tempFolder(), 'store')),
  reopen: async (store) => {
    await store.close();
    return openLmdbStore(store.path);
  },
};

storeOperations('LMDB', lmdb);
storeCommits('LMDB', lmdb);
storeRetention('LMDB', lmdb);
