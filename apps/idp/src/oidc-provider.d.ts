/**
 * Minimal type declarations for `oidc-provider` v9, which ships no types (and `@types/oidc-provider`
 * describes v8, whose Provider was not yet a Koa application). Only the surface this package uses is
 * typed; everything else is deliberately loose (`unknown`) rather than guessed.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export type UnknownObject = Record<string, unknown>;

  /** Registered client metadata (RFC 7591 / OIDC Registration names). */
  export interface ClientMetadata {
    client_id: string;
    client_secret?: string;
    client_name?: string;
    grant_types?: string[];
    response_types?: string[];
    redirect_uris?: string[];
    post_logout_redirect_uris?: string[];
    backchannel_logout_uri?: string;
    backchannel_logout_session_required?: boolean;
    token_endpoint_auth_method?: string;
    id_token_signed_response_alg?: string;
    scope?: string;
    [key: string]: unknown;
  }

  /** The Client model as seen by configuration callbacks. */
  export interface Client {
    readonly clientId: string;
    readonly clientName?: string;
    readonly clientAuthMethod: string;
    readonly redirectUris: string[];
    grantTypeAllowed(type: string): boolean;
    [key: string]: unknown;
  }

  /** What `findAccount` resolves to. */
  export interface Account {
    accountId: string;
    claims(use: 'id_token' | 'userinfo', scope: string, claims: UnknownObject, rejected: string[]): UnknownObject | Promise<UnknownObject>;
  }

  export type FindAccount = (ctx: KoaContextWithOIDC, sub: string, token?: unknown) => Promise<Account | undefined> | Account | undefined;

  export interface OIDCContext {
    readonly provider: Provider;
    readonly params?: Record<string, unknown>;
    /** The `acr` of the End-User's IdP session, during an authorization request. */
    readonly acr?: string;
    readonly client?: Client;
    readonly route: string;
    readonly entities: Record<string, unknown>;
    urlFor(name: string, options?: Record<string, unknown>): string;
  }

  /** The Koa context oidc-provider hands to configuration callbacks and events. */
  export interface KoaContextWithOIDC {
    oidc: OIDCContext;
    body: unknown;
    type: string;
    status: number;
    readonly host: string;
    readonly req: IncomingMessage;
    readonly res: ServerResponse;
    set(field: string, value: string): void;
  }

  /** A plain Koa context, as a middleware added with `provider.use` sees it before routing (no `oidc`). */
  export interface KoaContext {
    readonly method: string;
    readonly path: string;
    readonly headers: IncomingMessage['headers'];
    body: unknown;
    status: number;
    set(field: string, value: string): void;
  }

  /** A resource server as returned by `features.resourceIndicators.getResourceServerInfo`. */
  export interface ResourceServer {
    scope: string;
    audience?: string;
    accessTokenTTL?: number;
    accessTokenFormat?: 'opaque' | 'jwt';
    jwt?: { sign?: { alg?: string; kid?: string } };
  }

  /** A token model handed to TTL / policy callbacks. */
  export interface BaseTokenLike {
    readonly clientId?: string;
    readonly resourceServer?: ResourceServer;
    [key: string]: unknown;
  }

  export interface PromptDetails {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
    login_hint?: string;
    [key: string]: unknown;
  }

  export interface Interaction {
    readonly uid: string;
    readonly returnTo: string;
    readonly grantId?: string;
    readonly prompt: { name: string; reasons: string[]; details: PromptDetails };
    readonly params: Record<string, unknown> & { client_id: string; scope?: string };
    readonly session?: { accountId: string; uid?: string; cookie?: string };
    readonly lastSubmission?: InteractionResults;
  }

  export interface InteractionResults {
    login?: { accountId: string; acr?: string; amr?: string[]; remember?: boolean; ts?: number };
    consent?: { grantId?: string };
    error?: string;
    error_description?: string;
    [key: string]: unknown;
  }

  export class Grant {
    constructor(properties: { accountId: string; clientId: string });
    readonly jti: string;
    readonly accountId: string;
    readonly clientId: string;
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    addResourceScope(resource: string, scope: string): void;
    getOIDCScope(): string;
    getResourceScope(resource: string): string;
    save(ttl?: number): Promise<string>;
    destroy(): Promise<void>;
    static find(id: string): Promise<Grant | undefined>;
  }

  /** A persisted model class (tokens, sessions) exposing the lookups tests may need. */
  export interface ModelClass<T> {
    find(value: string, options?: { ignoreExpiration?: boolean }): Promise<T | undefined>;
  }

  export interface StoredToken {
    readonly jti: string;
    readonly accountId?: string;
    readonly clientId?: string;
    readonly exp?: number;
    readonly consumed?: unknown;
    destroy(): Promise<void>;
    [key: string]: unknown;
  }

  /** What an adapter stores for one model instance. */
  export interface AdapterPayload {
    jti?: string;
    uid?: string;
    userCode?: string;
    grantId?: string;
    consumed?: unknown;
    [key: string]: unknown;
  }

  /** The storage interface oidc-provider calls, one instance per model name. */
  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export type TtlFunction = (ctx: KoaContextWithOIDC, token: BaseTokenLike, client: Client) => number;

  export interface Configuration {
    adapter?: (model: string) => Adapter;
    clients?: ClientMetadata[];
    findAccount?: FindAccount;
    jwks?: { keys: UnknownObject[] };
    cookies?: {
      keys?: string[];
      long?: UnknownObject;
      short?: UnknownObject;
      names?: Record<string, string>;
    };
    claims?: Record<string, null | string[]>;
    scopes?: string[];
    acrValues?: string[];
    extraTokenClaims?: (ctx: KoaContextWithOIDC, token: BaseTokenLike) => UnknownObject | undefined | Promise<UnknownObject | undefined>;
    conformIdTokenClaims?: boolean;
    pkce?: { required?: (ctx: KoaContextWithOIDC, client: Client) => boolean };
    issueRefreshToken?: (ctx: KoaContextWithOIDC, client: Client, code: { scopes: Set<string> }) => boolean | Promise<boolean>;
    rotateRefreshToken?: boolean | ((ctx: KoaContextWithOIDC) => boolean | Promise<boolean>);
    clientBasedCORS?: (ctx: KoaContextWithOIDC, origin: string, client: Client) => boolean;
    renderError?: (ctx: KoaContextWithOIDC, out: Record<string, string>, error: Error) => void | Promise<void>;
    interactions?: {
      policy?: InteractionPolicy;
      url?: (ctx: KoaContextWithOIDC, interaction: Interaction) => string | Promise<string>;
    };
    ttl?: Record<string, number | TtlFunction>;
    fetch?: (url: URL | string, options: RequestInit & { dispatcher?: unknown }) => Promise<Response>;
    features?: {
      devInteractions?: { enabled: boolean };
      revocation?: {
        enabled: boolean;
        allowedPolicy?: (ctx: KoaContextWithOIDC, client: Client, token: BaseTokenLike) => boolean | Promise<boolean>;
      };
      introspection?: {
        enabled: boolean;
        allowedPolicy?: (ctx: KoaContextWithOIDC, client: Client, token: BaseTokenLike) => boolean | Promise<boolean>;
      };
      rpInitiatedLogout?: {
        enabled: boolean;
        logoutSource?: (ctx: KoaContextWithOIDC, form: string) => void | Promise<void>;
        postLogoutSuccessSource?: (ctx: KoaContextWithOIDC) => void | Promise<void>;
      };
      backchannelLogout?: { enabled: boolean };
      clientCredentials?: { enabled: boolean };
      resourceIndicators?: {
        enabled: boolean;
        defaultResource?: (
          ctx: KoaContextWithOIDC,
          client: Client,
          oneOf?: string[],
        ) => string | string[] | undefined | Promise<string | string[] | undefined>;
        getResourceServerInfo?: (
          ctx: KoaContextWithOIDC,
          resourceIndicator: string,
          client: Client,
        ) => ResourceServer | Promise<ResourceServer>;
        useGrantedResource?: (ctx: KoaContextWithOIDC, model: unknown) => boolean | Promise<boolean>;
      };
      [feature: string]: UnknownObject | undefined;
    };
    [key: string]: unknown;
  }

  /** One check of a prompt: the prompt is shown when a check answers `true` (`Check.REQUEST_PROMPT`). */
  export class Check {
    constructor(
      reason: string,
      description: string,
      check: (ctx: KoaContextWithOIDC) => boolean | Promise<boolean>,
      details?: (ctx: KoaContextWithOIDC) => UnknownObject | Promise<UnknownObject>,
    );
    static readonly REQUEST_PROMPT: true;
    static readonly NO_NEED_TO_PROMPT: false;
  }

  /** A prompt of the interaction policy (`login`, `consent`, or one's own), with its checks. */
  export class Prompt {
    constructor(options: { name: string; requestable?: boolean }, ...checks: Check[]);
    readonly name: string;
  }

  /** The prompts an authorization request goes through, in order (`interactionPolicy.base()`). */
  export interface InteractionPolicy extends Array<Prompt> {
    get(name: string): Prompt | undefined;
    add(prompt: Prompt, index?: number): void;
    remove(name: string): void;
  }

  export const interactionPolicy: {
    Check: typeof Check;
    Prompt: typeof Prompt;
    /** A new copy of the default policy: `login`, then `consent`. */
    base: () => InteractionPolicy;
  };

  export type NodeRequestListener = (req: IncomingMessage, res: ServerResponse) => void;

  /** The OpenID Provider; in v9 it is itself a Koa application. */
  export class Provider {
    constructor(issuer: string, configuration?: Configuration);
    readonly issuer: string;
    proxy: boolean;
    readonly Grant: typeof Grant;
    readonly Client: ModelClass<Client>;
    readonly AccessToken: ModelClass<StoredToken>;
    readonly RefreshToken: ModelClass<StoredToken>;
    readonly Session: ModelClass<StoredToken>;
    callback(): NodeRequestListener;
    urlFor(name: string, options?: Record<string, unknown>): string;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
    interactionResult(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResults,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<string>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResults,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
    /** Adds a Koa middleware that runs before oidc-provider's routes (and can wrap them). */
    use(middleware: (ctx: KoaContext, next: () => Promise<void>) => Promise<void> | void): this;
    on(event: 'grant.success', listener: (ctx: KoaContextWithOIDC) => void): this;
    on(event: 'server_error', listener: (ctx: KoaContextWithOIDC, error: Error) => void): this;
    on(event: string, listener: (...args: never[]) => void): this;
    off(event: string, listener: (...args: never[]) => void): this;
    removeAllListeners(event?: string): this;
  }

  export class OIDCProviderError extends Error {
    constructor(status: number, message: string);
    readonly status: number;
    readonly error: string;
    readonly error_description?: string;
  }

  export const errors: {
    OIDCProviderError: typeof OIDCProviderError;
    SessionNotFound: new (description?: string) => OIDCProviderError;
    InvalidTarget: new (description?: string) => OIDCProviderError;
    InvalidRequest: new (description?: string) => OIDCProviderError;
    [name: string]: new (...args: never[]) => OIDCProviderError;
  };

  export default Provider;
}
