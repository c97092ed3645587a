export * from './errors.js';
export * from './duration.js';
export * from './logger.js';
