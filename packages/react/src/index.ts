export { AuthProvider } from './AuthProvider.js';
export type { AuthProviderProps } from './AuthProvider.js';
export { useSession } from './use-session.js';
export type { UseSessionResult } from './use-session.js';
export { useBffFetch } from './use-bff-fetch.js';
export { useBffClient } from './use-bff-client.js';
export { SignedIn } from './SignedIn.js';
export type { SignedInProps } from './SignedIn.js';
export { SignedOut } from './SignedOut.js';
export { RequireAuth } from './RequireAuth.js';
export type { RequireAuthProps } from './RequireAuth.js';

// The client's API, so that an app needs only this package.
export { BffError, createBffClient } from '@cloakroom/client';
export type {
  BffClient,
  BffClientEvent,
  BffClientOptions,
  BffErrorCode,
  BffErrorInit,
  BffFetch,
  BffJsonInit,
  FetchLike,
  LoginOptions,
  LogoutOptions,
  ProblemDetails,
  SessionState,
  SessionStatus,
  StepUpRequirement,
  User,
} from '@cloakroom/client';
