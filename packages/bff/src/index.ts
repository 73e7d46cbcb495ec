export { createBff, type Bff } from './app.js';
export type { BffEnv } from './context.js';
export { appSecurityHeaders, type ContentSecurityPolicyDirectives } from './app-security-headers.js';
export {
  ConfigError,
  type ApiConfig,
  type ApiTokenBinding,
  type ApiTokenType,
  type BffConfig,
  type ClientAuthenticationMethod,
  type ClientPrivateKey,
  type LoginParameter,
  type SessionConfig,
} from './config.js';
export { BffError, type BffErrorCode } from './errors.js';
export { consoleLogger, redact, type Logger, type LogLevel } from './logger.js';
export type { BffProblem, LogoutResponse, SessionResponse } from '@cloakroom/protocol';
export {
  SessionLockTimeoutError,
  SessionStoreUnavailableError,
  type DpopPrivateJwk,
  type Session,
  type SessionStore,
  type StoredAccessToken,
} from './sessions/session-store.js';
export { MemorySessionStore, type MemorySessionStoreOptions } from './sessions/stores/memory.js';
