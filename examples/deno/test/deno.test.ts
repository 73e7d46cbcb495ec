import { fileURLToPath } from 'node:url';
import { describeExample, onDeno } from '@cloakroom/runtime-matrix/examples';

describeExample(onDeno(fileURLToPath(new URL('../src/server.ts', import.meta.url))));
