export * from './errors.js';
export * from './header.js';
export * from './note.js';
export * from './frame.js';
export * from './layout.js';
export * from './dates.js';
export * from './signal.js';
export type * from './types.js';
