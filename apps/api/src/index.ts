/**
 * `@cloakroom/demo-api`: a demo resource API that checks the bearer tokens the BFF sends.
 * @packageDocumentation
 */
export { createApi } from './app.js';
export type { ApiClaims, ApiEnv, ApiOptions } from './app.js';
export { startApi } from './server.js';
export type { RunningApi, StartApiOptions } from './server.js';
export type { Order } from './orders.js';
export { problem } from './problem.js';
export type { ProblemCode } from './problem.js';
