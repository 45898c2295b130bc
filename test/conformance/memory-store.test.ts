/** The conformance suite on the memory store: nothing to reopen, since nothing outlives it. */
import { openMemoryStore } from '../../src/persistence/memory-store.js';
import type { StoreUnderTest } from './conformance-fixtures.js';
import { storeCommits } from './store-commits.js';
import { storeOperations } from './store-operations.js';

const memory: StoreUnderTest = { open: async () => openMemoryStore() };

storeOperations('memory', memory);
storeCommits('memory', memory);
