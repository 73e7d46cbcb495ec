// The BFF child on Bun, served by Bun.serve.
import { listeningLine } from '../child-protocol.js';
import { configurableBff } from '../configurable-bff.js';

/** The part of Bun's global this entry uses (bun-types is not a dependency for three lines). */
declare const Bun: {
  readonly version: string;
  serve(options: { hostname: string; port: number; fetch(request: Request): Promise<Response> }): { readonly port: number };
};

const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: configurableBff(`bun ${Bun.version}`) });
console.log(listeningLine(server.port));
