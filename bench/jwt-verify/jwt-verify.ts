/**
 * How much does the guard cost over the signature check itself?
 *
 * (a) `@cloakroom/guard`'s verification path (`createAccessTokenVerifier().verify`, what
 *     `requireAccessToken` runs per request), as configured by default: the JWKS fetched once from a
 *     loopback server, then served from jose's cache; allowlist, `typ`, RFC 9068 claims, time and
 *     shape checks; a token seen before is answered from the verified-token cache (an API sees
 *     the same access token on every call of its lifetime).
 * (a') the same with `jwks.verifiedTokens: 0`: every verification checks the signature, as for a
 *     token seen for the first time.
 * (b) a bare `jose.jwtVerify(token, publicKey)` with the key in hand and no options.
 *
 * Both verify the same RS256 token. They run interleaved, in alternating batches of a few hundred
 * verifications, so that both see the same machine: a noisy neighbour on a 2-core box slows both, not
 * one. Each round times N verifications of each; the ratio of a round is guard / bare, and the
 * median over the rounds is the result (target ≥ 0.95 for (a); (a') is stated). Prints
 * verifications per second too.
 *
 *   pnpm --filter @cloakroom/bench-jwt-verify bench      (BENCH_N, BENCH_ROUNDS to change the run)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAccessTokenVerifier } from '@cloakroom/guard';
import { SignJWT, exportJWK, generateKeyPair, jwtVerify } from 'jose';

const N = Number(process.env.BENCH_N) || 20_000;
const ROUNDS = Number(process.env.BENCH_ROUNDS) || 7;
const BATCH = 250;
const WARM_UP = 3_000;
const TARGET = 0.95;

const AUDIENCE = 'https://api.cloakroom.test/orders';

/** Nanoseconds to run `verify` `count` times, one after the other. */
async function timeVerifications(verify: () => Promise<unknown>, count: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i += 1) await verify();
  return Number(process.hrtime.bigint() - start);
}

/** One round: `N` verifications of each, interleaved in batches; returns both rates (per second). */
async function round(guard: () => Promise<unknown>, bare: () => Promise<unknown>): Promise<{ guard: number; bare: number }> {
  let guardNs = 0;
  let bareNs = 0;
  for (let done = 0, batch = 0; done < N; done += BATCH, batch += 1) {
    const size = Math.min(BATCH, N - done);
    // Alternate which goes first, so neither always runs right after the other.
    if (batch % 2) {
      guardNs += await timeVerifications(guard, size);
      bareNs += await timeVerifications(bare, size);
    } else {
      bareNs += await timeVerifications(bare, size);
      guardNs += await timeVerifications(guard, size);
    }
  }
  return { guard: N / (guardNs / 1e9), bare: N / (bareNs / 1e9) };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

const format = (rate: number) => `${Math.round(rate).toLocaleString('en-US')}/s`.padStart(10);

const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await exportJWK(publicKey)), kid: 'bench-key', alg: 'RS256', use: 'sig' };

let jwksRequests = 0;
const server = createServer((req, res) => {
  if (req.url !== '/jwks') return void res.writeHead(404).end();
  jwksRequests += 1;
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

try {
  const issuer = origin;
  const token = await new SignJWT({ client_id: 'cloakroom-bff', scope: 'orders:read orders:write' })
    .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: jwk.kid })
    .setIssuer(issuer)
    .setAudience(AUDIENCE)
    .setSubject('alice')
    .setJti(crypto.randomUUID())
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey);

  const settings = { issuer, audience: AUDIENCE, typ: 'at+jwt' };
  const cachedVerifier = createAccessTokenVerifier({ ...settings, jwks: { uri: `${origin}/jwks` } });
  const uncachedVerifier = createAccessTokenVerifier({ ...settings, jwks: { uri: `${origin}/jwks`, verifiedTokens: 0 } });
  const guard = () => cachedVerifier.verify(token);
  const guardUncached = () => uncachedVerifier.verify(token);
  const bare = () => jwtVerify(token, publicKey);

  // All must accept the token, and the guards must have their keys before timing starts.
  for (const verify of [guard, guardUncached, bare]) {
    await verify();
    await timeVerifications(verify, WARM_UP);
  }

  const rounds: { cached: number; uncached: number }[] = [];
  const rates = { cached: [] as number[], uncached: [] as number[], bare: [] as number[] };
  console.log(
    `JWT verification, RS256: ${N.toLocaleString('en-US')} verifications of each × ${ROUNDS} rounds, interleaved in batches of ${BATCH} (Node ${process.version})`,
  );
  for (let index = 1; index <= ROUNDS; index += 1) {
    const cached = await round(guard, bare);
    const uncached = await round(guardUncached, bare);
    rounds.push({ cached: cached.guard / cached.bare, uncached: uncached.guard / uncached.bare });
    rates.cached.push(cached.guard);
    rates.uncached.push(uncached.guard);
    rates.bare.push(cached.bare, uncached.bare);
    console.log(
      `  round ${index}: guard ${format(cached.guard)} (ratio ${(cached.guard / cached.bare).toFixed(3)})   guard, no cache ${format(uncached.guard)} (ratio ${(uncached.guard / uncached.bare).toFixed(3)})   bare jose ${format(cached.bare)}`,
    );
  }

  const ratio = median(rounds.map((result) => result.cached));
  console.log('');
  console.log(`guard verify (default: a token seen before from the cache)  ${format(median(rates.cached))}  median`);
  console.log(`guard verify, verifiedTokens: 0 (every signature checked)   ${format(median(rates.uncached))}  median`);
  console.log(`bare jose.jwtVerify (local key)                             ${format(median(rates.bare))}  median`);
  console.log(
    `ratio guard / bare                                          ${ratio.toFixed(3)}  median of the rounds (target ≥ ${TARGET}: ${ratio >= TARGET ? 'met' : 'NOT met'})`,
  );
  console.log(
    `ratio guard without the cache / bare                        ${median(rounds.map((result) => result.uncached)).toFixed(3)}  median of the rounds (stated)`,
  );
  console.log(`JWKS fetched ${jwksRequests} time(s)`);
  if (process.env.BENCH_STRICT && ratio < TARGET) process.exitCode = 1;
} finally {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
