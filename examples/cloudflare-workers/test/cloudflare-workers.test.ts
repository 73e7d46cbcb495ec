import { fileURLToPath } from 'node:url';
import { describeExample, onWorkerd } from '@cloakroom/runtime-matrix/examples';

const file = (path: string) => fileURLToPath(new URL(path, import.meta.url));

describeExample(onWorkerd(file('../src/worker.ts'), file('../wrangler.toml')), { statelessSessions: true });
