import { startDemoBff } from './index.js';

const env = process.env;
const demo = await startDemoBff({
  port: Number(env.BFF_PORT ?? 3000),
  ...(env.IDP_ISSUER ? { issuer: env.IDP_ISSUER } : {}),
  ...(env.API_URL ? { apiUrl: env.API_URL } : {}),
  ...(env.CLIENT_SECRET ? { clientSecret: env.CLIENT_SECRET } : {}),
  ...(env.COOKIE_SECRET ? { cookieSecret: env.COOKIE_SECRET.split(',') } : {}),
});
console.log(`Cloakroom demo on ${demo.url} (BFF at ${demo.url}/bff)`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void demo.close().then(() => process.exit(0)));
