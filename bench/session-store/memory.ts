/**
 * What MemorySessionStore costs in heap: signs in 100 000 synthetic sessions of realistic size into
 * a store bounded at 10 000 (the default) and into one large enough to hold them all, and prints
 * the heap growth per held session against the session's raw JSON size.
 *
 * Run with `pnpm --filter @cloakroom/bench-session-store bench` (needs `--expose-gc`).
 */
import { randomBytes } from 'node:crypto';
import { MemorySessionStore, type Session } from '@cloakroom/bff';

const SIGN_INS = 100_000;
const SESSION_TTL_SECONDS = 8 * 3600;
const USERS = 60_000; // some users hold several sessions

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('Run with node --expose-gc (the bench script does).');
const collectGarbage = gc;

/** `bytes` random bytes as base64url: the character count of a token of that much entropy/size. */
const randomText = (bytes: number) => randomBytes(bytes).toString('base64url');

/** A JWT of about `length` characters: header, payload and an RS256-sized signature. */
function jwt(length: number): string {
  const header = randomText(27); // ~36 chars, like {"alg":"RS256","kid":"…","typ":"JWT"}
  const signature = randomText(256); // RS256: 256 bytes, 342 chars
  const payloadChars = length - header.length - signature.length - 2;
  return `${header}.${randomText(Math.ceil((payloadChars * 3) / 4)).slice(0, payloadChars)}.${signature}`;
}

function syntheticSession(i: number): Session {
  const now = Math.floor(Date.now() / 1000);
  const user = i % USERS;
  return {
    id: randomText(32),
    sub: `user-${user}-${randomText(9)}`,
    sid: randomText(16),
    claims: {
      name: `Synthetic User ${user}`,
      given_name: 'Synthetic',
      family_name: `User ${user}`,
      preferred_username: `user${user}`,
      email: `user${user}@example.com`,
      email_verified: true,
      locale: 'en-GB',
      auth_time: now,
      acr: 'urn:example:loa:2',
      amr: ['pwd', 'otp'],
    },
    idToken: jwt(900),
    refreshToken: randomText(64),
    accessTokens: {
      '': { value: jwt(800), expiresAt: now + 300, lifetime: 300, scope: 'openid profile email offline_access' },
    },
    createdAt: now,
    expiresAt: now + SESSION_TTL_SECONDS,
    lastActiveAt: now,
  };
}

function heapUsed(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(2)} KiB`;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

async function measure(maxSessions: number): Promise<void> {
  const before = heapUsed();
  const store = new MemorySessionStore({ maxSessions });
  let jsonBytes = 0;
  let firstSub = '';
  const started = performance.now();
  for (let i = 0; i < SIGN_INS; i++) {
    const session = syntheticSession(i);
    if (i === SIGN_INS - 1) firstSub = session.sub;
    jsonBytes += Buffer.byteLength(JSON.stringify(session));
    await store.set(session, SESSION_TTL_SECONDS);
    if (store.size > maxSessions) throw new Error(`store holds ${store.size} sessions, over its bound of ${maxSessions}`);
  }
  const insertMs = performance.now() - started;
  const after = heapUsed();

  const lookups = 10_000;
  const lookupStart = performance.now();
  for (let i = 0; i < lookups; i++) await store.idsBySub(firstSub);
  const lookupMs = performance.now() - lookupStart;

  const held = store.size;
  const delta = after - before;
  const perSession = delta / held;
  const jsonPerSession = jsonBytes / SIGN_INS;
  console.log(`MemorySessionStore({ maxSessions: ${maxSessions.toLocaleString('en')} })`);
  console.log(`  sessions inserted        ${SIGN_INS.toLocaleString('en')}`);
  console.log(`  sessions held            ${held.toLocaleString('en')} (bound ${maxSessions.toLocaleString('en')})`);
  console.log(`  heap delta               ${mib(delta)}`);
  console.log(`  bytes per held session   ${Math.round(perSession)} (${kib(perSession)})`);
  console.log(`  raw JSON per session     ${Math.round(jsonPerSession)} bytes`);
  console.log(`  heap / raw JSON          ${(perSession / jsonPerSession).toFixed(2)}x`);
  console.log(`  insert time              ${((insertMs * 1000) / SIGN_INS).toFixed(1)} µs per sign-in (incl. generating it)`);
  console.log(`  idsBySub                 ${((lookupMs * 1000) / lookups).toFixed(2)} µs per lookup, ${held.toLocaleString('en')} held`);
  console.log();
  if (held > maxSessions) throw new Error('bound exceeded');
}

console.log(`Node ${process.version}, ${SIGN_INS.toLocaleString('en')} synthetic sign-ins (ID token ~900 B, access token ~800 B)\n`);
await measure(10_000);
await measure(SIGN_INS);
