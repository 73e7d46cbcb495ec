import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { FollowedResponse, TestBrowser } from '@cloakroom/idp/testing';
import { freePort } from '@cloakroom/test-harness/loopback';

/** Options of {@link startGlewlwyd}. */
export interface GlewlwydOptions {
  /** Origin of the BFF (e.g. `http://localhost:1234`): its callback and post-logout URIs are registered. */
  bffOrigin: string;
  /** Base path of the BFF's routes. Default `/bff`. */
  bffBasePath?: string;
  /** Access-token (and ID-token: glewlwyd uses one duration for both) lifetime in seconds. Default 3600. */
  accessTokenLifetime?: number;
  /**
   * Scopes besides `openid` (which glewlwyd's database starts with) to create, give to the user and
   * advertise in `scopes_supported`. Default `profile`, `email`, `offline_access`.
   */
  scopes?: string[];
  /** How the client authenticates at the token and revocation endpoints. Default `client_secret_basic`. */
  clientAuthentication?: 'client_secret_basic' | 'client_secret_post';
  /** One-time-use (rotated) refresh tokens. Default true. */
  rotateRefreshTokens?: boolean;
}

/** A glewlwyd user. */
export interface GlewlwydUser {
  username: string;
  password: string;
  name: string;
  email: string;
}

/** A running glewlwyd, configured for one BFF. */
export interface RunningGlewlwyd {
  /** `http://127.0.0.1:{port}`: glewlwyd's own origin (another site than the BFF's `localhost`). */
  origin: string;
  /** The OIDC plugin's issuer, `{origin}/api/oidc`; discovery is at `{issuer}/.well-known/openid-configuration`. */
  issuer: string;
  /** `{issuer}/jwks`: the public keys glewlwyd signs ID and access tokens with. */
  jwksUri: string;
  clientId: string;
  clientSecret: string;
  user: GlewlwydUser;
  /**
   * Signs `user` in from `startUrl` (e.g. `{bffOrigin}/bff/login?returnTo=/x`) the way glewlwyd's
   * login page does: follows the redirects to glewlwyd's login page, authenticates with the password
   * (`POST /api/auth/`), grants the requested scopes to the client (`PUT /api/auth/grant/{client}`)
   * and continues to the authorization endpoint (`g_continue`), which redirects back to the BFF.
   * Resolves with the first response off glewlwyd's origin (the page the BFF redirected to);
   * rejects when the flow does not leave glewlwyd, with glewlwyd's log tail.
   */
  signIn(browser: TestBrowser, startUrl: string | URL): Promise<FollowedResponse>;
  /** Calls glewlwyd's admin REST API as the administrator (e.g. to disable a user or revoke). */
  admin(method: string, path: string, body?: unknown): Promise<Response>;
  /** The last lines glewlwyd logged (stdout and stderr, DEBUG level, without its endpoint list), for failure messages. */
  logTail(): string;
  /** Stops glewlwyd and removes its temporary directory. Safe to call twice. */
  close(): Promise<void>;
}

const INSTALL_HINT =
  'The glewlwyd interop tests run the real glewlwyd OpenID Provider and need it on the PATH: ' +
  'install it with `apt-get install glewlwyd` (Debian/Ubuntu; it brings the sqlite3 CLI too).';
/** The package's SQLite schema with its initial data (admin user `admin` / `password`, scopes `g_admin`, `g_profile`, `openid`). */
const SCHEMA_FILES = ['/usr/share/dbconfig-common/data/glewlwyd/install/sqlite3', '/usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz'];
const ADMIN = { username: 'admin', password: 'password' };
const PLUGIN = 'oidc';
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;
const LOG_KEPT_CHARS = 40_000;
const LOG_TAIL_CHARS = 6_000;

/**
 * Starts glewlwyd (Debian package `glewlwyd`, 2.7) on a free loopback port with a throw-away SQLite
 * database in a temporary directory, and configures it through its admin REST API only: an OIDC
 * plugin instance signing with a fresh RS256 key, the scopes, a confidential client for the BFF
 * (secret, redirect and post-logout redirect URIs, code + refresh-token grants) and a user with a
 * password. Fails, never skips, when glewlwyd is missing or does not come up.
 *
 * Known glewlwyd 2.7 behaviours a client meets (see the interop report):
 * - HTTP Basic client credentials are not form-urldecoded, so the client id and secret here are
 *   letters and digits only;
 * - a refused refresh token (unknown, expired, revoked) gets `400` with an empty body, not
 *   `{"error":"invalid_grant"}`;
 * - `end_session` needs `id_token_hint`: with only `client_id` it answers `200` with an empty body;
 *   with the hint it redirects to its login page (`prompt=end_session`), which asks the user to confirm.
 */
export async function startGlewlwyd(options: GlewlwydOptions): Promise<RunningGlewlwyd> {
  const schema = readSchema();
  const dir = mkdtempSync(join(tmpdir(), 'cloakroom-glewlwyd-'));
  let child: ChildProcess | undefined;
  let log = '';
  const keep = (chunk: Buffer) => (log = (log + chunk.toString()).slice(-LOG_KEPT_CHARS));
  // At DEBUG level glewlwyd says why it refuses a client or a code; it also lists every endpoint it adds.
  const tail = () =>
    log
      .split('\n')
      .filter((line) => !/ (Add|Remove) endpoint /.test(line))
      .join('\n')
      .slice(-LOG_TAIL_CHARS);
  const cleanUp = () => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  // Whatever happens to the test run, glewlwyd does not outlive it.
  process.once('exit', cleanUp);

  try {
    const database = join(dir, 'glewlwyd.db');
    await runSqlite(database, schema);

    let origin = '';
    // A free port can be taken between finding it and binding it: try a few.
    for (let attempt = 1; child === undefined; attempt++) {
      const port = await freePort();
      origin = `http://127.0.0.1:${port}`;
      const config = join(dir, `glewlwyd-${port}.conf`);
      writeFileSync(config, configFile({ port, origin, database }));
      log = '';
      const candidate = spawn('glewlwyd', ['--config-file', config], { stdio: ['ignore', 'pipe', 'pipe'] });
      candidate.stdout?.on('data', keep);
      candidate.stderr?.on('data', keep);
      try {
        await waitUntilAnswering(candidate, origin, tail);
        child = candidate;
      } catch (error) {
        candidate.kill('SIGKILL');
        if (attempt >= 3 || !(error instanceof PortInUseError)) throw error;
      }
    }
    const running = child;

    const issuer = `${origin}/api/${PLUGIN}`;
    // Letters and digits only: glewlwyd 2.7 does not form-urldecode HTTP Basic client credentials
    // (RFC 6749 §2.3.1), and openid-client encodes `-`, `_`, `.`… (e.g. `-` as `%2D`), so a client id
    // or secret with such a character fails client_secret_basic with `unauthorized_client`.
    const clientId = 'cloakroombff';
    const clientSecret = randomBytes(24).toString('hex');
    const user: GlewlwydUser = {
      username: 'ada',
      password: `ada-${randomBytes(9).toString('base64url')}`,
      name: 'Ada Lovelace',
      email: 'ada@example.com',
    };
    const scopes = options.scopes ?? ['profile', 'email', 'offline_access'];
    const admin = await adminSession(origin, tail);
    await configure(admin, { ...options, issuer, clientId, clientSecret, user, scopes }).catch((error: Error) => {
      throw new Error(`${error.message}\nglewlwyd's log:\n${tail()}`, { cause: error });
    });
    // The plugin registers its endpoints on creation; make sure discovery answers before handing over.
    const discovery = await fetch(`${issuer}/.well-known/openid-configuration`);
    await discovery.body?.cancel();
    if (!discovery.ok) throw new Error(`glewlwyd's discovery answered ${discovery.status}:\n${tail()}`);

    let closed: Promise<void> | undefined;
    return {
      origin,
      issuer,
      jwksUri: `${issuer}/jwks`,
      clientId,
      clientSecret,
      user,
      signIn: (browser, startUrl) => signIn(browser, startUrl, { origin, user, log: tail }),
      admin: (method, path, body) => admin(method, path, body),
      logTail: tail,
      close: () =>
        (closed ??= (async () => {
          if (running.exitCode === null && running.signalCode === null) {
            const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
            running.kill('SIGTERM');
            const timer = setTimeout(() => running.kill('SIGKILL'), STOP_TIMEOUT_MS);
            await exited;
            clearTimeout(timer);
          }
          rmSync(dir, { recursive: true, force: true });
          process.removeListener('exit', cleanUp);
        })()),
    };
  } catch (error) {
    cleanUp();
    process.removeListener('exit', cleanUp);
    throw error;
  }
}

function readSchema(): string {
  const file = SCHEMA_FILES.find((path) => existsSync(path));
  if (!file) throw new Error(`glewlwyd's SQLite schema was not found (${SCHEMA_FILES.join(', ')}). ${INSTALL_HINT}`);
  const content = readFileSync(file);
  return (file.endsWith('.gz') ? gunzipSync(content) : content).toString();
}

/** Creates the database with the `sqlite3` command-line shell (a dependency of the glewlwyd package). */
function runSqlite(database: string, sql: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const sqlite = spawn('sqlite3', ['-bail', database], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    sqlite.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    sqlite.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? new Error(`sqlite3 not found. ${INSTALL_HINT}`, { cause: error }) : error),
    );
    sqlite.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`sqlite3 could not create glewlwyd's database (exit ${code}): ${stderr}`)),
    );
    sqlite.stdin?.end(sql);
  });
}

function configFile({ port, origin, database }: { port: number; origin: string; database: string }): string {
  // glewlwyd's libconfig format; what is not set keeps glewlwyd's defaults (see glewlwyd.conf.sample).
  return `
port=${port}
bind_address="127.0.0.1"
external_url="${origin}"
login_url="login.html"
api_prefix="api"
log_mode="console"
log_level="DEBUG"
cookie_secure=0
session_expiration=3600
session_key="GLEWLWYD2_SESSION_ID"
admin_session_authentication="cookie"
profile_session_authentication="cookie"
login_api_enabled=true
admin_scope="g_admin"
profile_scope="g_profile"
user_module_path="/usr/lib/glewlwyd/user"
client_module_path="/usr/lib/glewlwyd/client"
user_auth_scheme_module_path="/usr/lib/glewlwyd/scheme"
plugin_module_path="/usr/lib/glewlwyd/plugin"
hash_algorithm="SHA512"
database = { type = "sqlite3"; path = "${database}"; };
`;
}

class PortInUseError extends Error {}

/** Resolves once glewlwyd answers `GET /config`; rejects with its log when it exits or times out. */
async function waitUntilAnswering(child: ChildProcess, origin: string, log: () => string): Promise<void> {
  let exit: string | undefined;
  child.once('error', (error: NodeJS.ErrnoException) => {
    exit = error.code === 'ENOENT' ? `glewlwyd not found. ${INSTALL_HINT}` : `glewlwyd could not start: ${error.message}`;
  });
  child.once('exit', (code, signal) => (exit ??= `glewlwyd exited during start-up (code ${code}, signal ${signal})`));
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (exit !== undefined) {
      const message = log() ? `${exit}:\n${log()}` : exit;
      throw /address already in use|failed to bind/i.test(log()) ? new PortInUseError(message) : new Error(message);
    }
    const answer = await fetch(`${origin}/config`, { signal: AbortSignal.timeout(1_000) }).catch(() => undefined);
    if (answer?.ok) {
      await answer.body?.cancel();
      // Another server on the port would answer too, while this glewlwyd fails to bind and exits.
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (exit === undefined && !/Failed to bind/i.test(log())) return;
    }
    if (Date.now() > deadline) throw new Error(`glewlwyd did not answer on ${origin} within ${START_TIMEOUT_MS} ms:\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

type AdminCall = (method: string, path: string, body?: unknown) => Promise<Response>;

/** Signs the administrator in (`POST /api/auth/`) and returns a caller of the admin API with that session cookie. */
async function adminSession(origin: string, log: () => string): Promise<AdminCall> {
  const login = await fetch(`${origin}/api/auth/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  const cookie = login.headers
    .getSetCookie()
    .map((header) => header.split(';')[0])
    .join('; ');
  if (!login.ok || !cookie) throw new Error(`glewlwyd's admin sign-in answered ${login.status}:\n${log()}`);
  return (method, path, body) =>
    fetch(`${origin}/api${path}`, {
      method,
      headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
}

async function expectOk(response: Promise<Response>, what: string): Promise<void> {
  const answer = await response;
  const body = await answer.text();
  if (!answer.ok) throw new Error(`glewlwyd refused to ${what}: HTTP ${answer.status} ${body}`);
}

async function configure(
  admin: AdminCall,
  settings: GlewlwydOptions & { issuer: string; clientId: string; clientSecret: string; user: GlewlwydUser; scopes: string[] },
): Promise<void> {
  const { bffOrigin, issuer, clientId, clientSecret, user, scopes } = settings;
  const basePath = settings.bffBasePath ?? '/bff';

  for (const scope of scopes) {
    // password_required: false, as for the `openid` scope of the initial data: a password sign-in
    // is all these scopes need (true would also accept it, within `password_max_age`).
    await expectOk(
      admin('POST', '/scope/', {
        name: scope,
        display_name: scope,
        description: `OpenID Connect scope ${scope}`,
        password_required: false,
        scheme: {},
      }),
      `create scope ${scope}`,
    );
  }

  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  // Parameter names as glewlwyd 2.7's OIDC plugin (protocol_oidc.c) reads them; see docs/OIDC.md.
  const parameters = {
    iss: issuer,
    'jwt-type': 'rsa',
    'jwt-key-size': '256', // RS256
    key: privateKey,
    cert: publicKey,
    'jwks-show': true,
    'jwks-x5c': [],
    'access-token-duration': settings.accessTokenLifetime ?? 3600,
    'refresh-token-duration': 3600,
    'code-duration': 60,
    'refresh-token-rolling': true,
    'refresh-token-one-use': settings.rotateRefreshTokens === false ? 'never' : 'always',
    'client-refresh-token-one-use-parameter': 'refresh-token-one-use',
    'allow-non-oidc': false,
    'auth-type-code-enabled': true,
    'auth-type-code-revoke-replayed': true,
    'auth-type-token-enabled': false,
    'auth-type-id-token-enabled': true,
    'auth-type-none-enabled': false,
    'auth-type-password-enabled': false,
    'auth-type-client-enabled': false,
    'auth-type-device-enabled': false,
    'auth-type-refresh-enabled': true,
    scope: [],
    'additional-parameters': [],
    claims: [],
    'secret-type': 'public',
    'address-claim': {
      type: 'no',
      formatted: '',
      street_address: '',
      locality: '',
      region: '',
      postal_code: '',
      country: '',
      mandatory: false,
    },
    // name and email: in the ID token and userinfo when the profile / email scope is granted.
    'name-claim': 'on-demand',
    'name-claim-scope': scopes.includes('profile') ? ['profile'] : [],
    'email-claim': 'on-demand',
    'email-claim-scope': scopes.includes('email') ? ['email'] : [],
    'scope-claim': 'no',
    'scope-claim-scope': [],
    // What discovery lists as scopes_supported.
    'allowed-scope': ['openid', ...scopes],
    'pkce-allowed': true,
    'pkce-method-plain-allowed': false,
    'introspection-revocation-allowed': true,
    'introspection-revocation-auth-scope': [],
    'introspection-revocation-allow-target-client': true,
    'register-client-allowed': false,
    'session-management-allowed': true,
    'session-cookie-name': 'GLEWLWYD2_OIDC_SID',
    'session-cookie-expiration': 3600,
    'request-parameter-allow': false,
    'request-maximum-exp': 3600,
    'client-pubkey-parameter': '',
    'client-jwks-parameter': 'jwks',
    'client-jwks_uri-parameter': 'jwks_uri',
    'encrypt-out-token-allow': false,
    'oauth-dpop-allowed': false,
    'resource-allowed': false,
    'oauth-rar-allowed': false,
    'oauth-par-allowed': false,
    'oauth-par-required': false,
    'oauth-ciba-allowed': false,
  };
  await expectOk(
    admin('POST', '/mod/plugin/', { module: 'oidc', name: PLUGIN, display_name: 'OpenID Connect', parameters }),
    'create the OIDC plugin instance',
  );

  // The OIDC plugin checks post_logout_redirect_uri against the client's `post_logout_redirect_uris`,
  // a list; the database client backend of the initial data only knows a single-valued
  // `post_logout_redirect_uri` (the admin UI's name), so it is told about the list first.
  const clientBackend = await admin('GET', '/mod/client/database');
  if (!clientBackend.ok) throw new Error(`glewlwyd's client backend answered ${clientBackend.status}`);
  const backend = (await clientBackend.json()) as { parameters: { 'data-format': Record<string, unknown> } } & Record<string, unknown>;
  backend.parameters['data-format']['post_logout_redirect_uris'] = { multiple: true, read: true, write: true };
  await expectOk(admin('PUT', '/mod/client/database', backend), 'declare the client property post_logout_redirect_uris');
  await expectOk(admin('PUT', '/mod/client/database/reset'), 'reload the client backend');

  await expectOk(
    admin('POST', '/client/', {
      client_id: clientId,
      name: 'Cloakroom BFF',
      enabled: true,
      confidential: true,
      client_secret: clientSecret,
      scope: [],
      redirect_uri: [`${bffOrigin}${basePath}/callback`],
      post_logout_redirect_uri: `${bffOrigin}${basePath}/logout/callback`,
      post_logout_redirect_uris: [`${bffOrigin}${basePath}/logout/callback`],
      authorization_type: ['code', 'refresh_token'],
      token_endpoint_auth_method: [settings.clientAuthentication ?? 'client_secret_basic'],
    }),
    'create the client',
  );

  await expectOk(
    admin('POST', '/user/', {
      ...user,
      enabled: true,
      // g_profile: glewlwyd's own profile API, which its login page uses to grant scopes to a client.
      scope: ['g_profile', 'openid', ...scopes],
    }),
    'create the user',
  );
}

/** What glewlwyd's login page (login.html, not served here) would do, over its REST API. */
async function signIn(
  browser: TestBrowser,
  startUrl: string | URL,
  { origin, user, log }: { origin: string; user: GlewlwydUser; log: () => string },
): Promise<FollowedResponse> {
  const toLogin = await browser.follow(startUrl);
  await toLogin.body?.cancel();
  const loginPage = new URL(toLogin.url);
  const callbackUrl = loginPage.searchParams.get('callback_url');
  const clientId = loginPage.searchParams.get('client_id');
  const scope = loginPage.searchParams.get('scope');
  if (loginPage.origin !== origin || !loginPage.pathname.endsWith('/login.html') || !callbackUrl || !clientId || !scope) {
    throw new Error(`sign-in did not reach glewlwyd's login page: HTTP ${toLogin.status} at ${toLogin.url}\n${log()}`);
  }
  // The login page's own XHRs: same-origin requests that store and send glewlwyd's session cookie.
  const json = { 'content-type': 'application/json' };
  const auth = await browser.fetch(`${origin}/api/auth/`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ username: user.username, password: user.password }),
    initiator: origin,
  });
  await auth.body?.cancel();
  if (!auth.ok) throw new Error(`glewlwyd refused ${user.username}'s password: HTTP ${auth.status}\n${log()}`);
  // Consent: glewlwyd's grant API takes the scopes separated by spaces.
  const grant = await browser.fetch(`${origin}/api/auth/grant/${encodeURIComponent(clientId)}`, {
    method: 'PUT',
    headers: json,
    body: JSON.stringify({ scope }),
    initiator: origin,
  });
  await grant.body?.cancel();
  if (!grant.ok) throw new Error(`glewlwyd refused to grant "${scope}" to ${clientId}: HTTP ${grant.status}\n${log()}`);
  // The page's "continue" button: back to the authorization endpoint, which now redirects to the client.
  const landing = await browser.follow(`${callbackUrl}${callbackUrl.includes('?') ? '&' : '?'}g_continue`, { initiator: origin });
  if (new URL(landing.url).origin === origin) {
    throw new Error(`sign-in ended on glewlwyd at ${landing.url} (HTTP ${landing.status}): ${await landing.text()}\n${log()}`);
  }
  return landing;
}
