// The BFF child on Deno, served by Deno.serve.
import { listeningLine } from '../child-protocol.js';
import { configurableBff } from '../configurable-bff.js';

/** The part of Deno's global this entry uses (Deno's types are not a dependency for three lines). */
declare const Deno: {
  readonly version: { readonly deno: string };
  serve(
    options: { hostname: string; port: number; onListen(address: { port: number }): void },
    handler: (request: Request) => Promise<Response>,
  ): unknown;
};

Deno.serve(
  { hostname: '127.0.0.1', port: 0, onListen: ({ port }) => console.log(listeningLine(port)) },
  configurableBff(`deno ${Deno.version.deno}`),
);
