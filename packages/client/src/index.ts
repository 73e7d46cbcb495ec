export { createBffClient } from './createBffClient.js';
export { BffError } from './BffError.js';
export type { BffErrorCode, BffErrorInit, ProblemDetails } from './BffError.js';
export type {
  BffClient,
  BffClientEvent,
  BffClientOptions,
  BffFetch,
  BffJsonInit,
  FetchLike,
  LoginOptions,
  LogoutOptions,
  SessionState,
  SessionStatus,
  User,
} from './types.js';
