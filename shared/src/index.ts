export * from './errors.js';
export * from './domain/enums.js';
export * from './domain/limits.js';
export * from './domain/inputs.js';
export * from './domain/naming.js';
export * from './events/run-events.js';
export * from './protocol/messages.js';
export * from './protocol/decode.js';
