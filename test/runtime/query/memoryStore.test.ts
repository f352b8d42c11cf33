/** The in-memory store used by the query tests behaves like every other store. */
import { openMemoryStore } from '../../helpers/memoryStore.js';
import { describeStoreConformance } from '../store/storeConformance.js';

describeStoreConformance('in-memory', (schema, directory) => openMemoryStore(schema, directory));
