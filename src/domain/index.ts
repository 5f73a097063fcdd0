// The domain: run types, request schemas, statuses, failure reasons, search-attribute keys.
// Pure (no Node imports), so workflows/ can import it.
export * from './run-types';
export * from './requests';
export * from './seer-run';
export * from './seer-run-input';
export * from './search-attributes';
export * from './clean-strings';
