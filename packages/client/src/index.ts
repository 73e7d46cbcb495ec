export { createBffClient } from './create-bff-client.js';
export { BffError } from './bff-error.js';
export type { BffErrorCode, BffErrorInit, ProblemDetails, StepUpRequirement } from './bff-error.js';
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
