import { openMemoryStore } from '../../helpers/memoryStore.js';
import { describeStoreConformance } from './storeConformance.js';

// The directory names the data a reopened memory store finds again.
describeStoreConformance('memory', (schema, directory) => openMemoryStore(schema, directory));
