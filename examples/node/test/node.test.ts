import { fileURLToPath } from 'node:url';
import { describeExample, onNode } from '@cloakroom/runtime-matrix/examples';

describeExample(onNode(fileURLToPath(new URL('../src/server.ts', import.meta.url))));
