import { demoOptionsFromEnv, startDemoBff } from './index.js';

const demo = await startDemoBff({ port: Number(process.env.BFF_PORT ?? 3000), ...demoOptionsFromEnv() });
console.log(`Cloakroom demo on ${demo.url} (BFF at ${demo.url}/bff)`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void demo.close().then(() => process.exit(0)));
