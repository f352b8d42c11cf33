import { openLmdbStore } from '../../../templates/runtime/store/lmdb.js';
import { describeStoreConformance } from './storeConformance.js';

describeStoreConformance('LMDB', (schema, directory) => openLmdbStore(schema, { path: directory }));
