import { fileURLToPath } from 'node:url';
import { describeExample, onBun } from '@cloakroom/runtime-matrix/examples';

describeExample(onBun(fileURLToPath(new URL('../src/server.ts', import.meta.url))));
