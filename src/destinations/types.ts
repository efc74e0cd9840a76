/**
 * What the rest of the application imports about destinations: the contract every destination keeps
 * (`contract.ts`) and the names of the registered types, derived from the registry.
 */
export * from './contract.js';
export { DESTINATION_TYPES, type DestinationType } from './registry.js';
