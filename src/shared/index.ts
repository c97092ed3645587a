export * from './errors.js';
export * from './duration.js';
export * from './logger.js';
export * from './random.js';
export * from './time.js';
export * from './version.js';
