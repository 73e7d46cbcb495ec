// The BFF child on Node (20 and 24), served by @hono/node-server as the README shows.
import { serve } from '@hono/node-server';
import { listeningLine } from '../child-protocol.js';
import { configurableBff } from '../configurable-bff.js';

serve({ fetch: configurableBff(`node ${process.version}`), hostname: '127.0.0.1', port: 0 }, ({ port }) => {
  console.log(listeningLine(port));
});
