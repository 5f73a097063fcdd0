// The domain: run types and their table, request schemas, statuses, failure reasons, how attempts
// are counted, search-attribute keys. No Node or I/O imports; this index pulls in zod, so
// workflows/ imports the zod-free modules one by one (see README.md here).
export * from './run-types';
export * from './requests';
export * from './seer-run';
export * from './seer-run-input';
export * from './attempts';
export * from './retry-delay';
export * from './jitter';
export * from './search-attributes';
export * from './clean-strings';
