import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
const r = await build({ stdin: { contents: "export * from '@cloakroom/client'; export * from '@cloakroom/react';", resolveDir: process.cwd(), loader: 'ts' }, bundle: true, minify: true, format: 'esm', write: false, conditions: ['source'], external: ['react', 'react-dom', 'react/jsx-runtime'], platform: 'browser', target: 'es2022' });
const code = r.outputFiles[0].contents; process.stdout.write(new TextDecoder().decode(code)); console.log(code.length, gzipSync(code, { level: 9 }).length);
