import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import { getRequestListener } from '@hono/node-server';
import { BffError, problemResponse } from './errors.js';

/** What {@link toNodeHandler} serves: the BFF, or any app with a Fetch API handler. */
export interface FetchHandler {
  fetch(request: Request): Response | Promise<Response>;
}

/** A Node request as Express and Connect hand it on: `url` without the mount path, `originalUrl` with it. */
type NodeRequest = IncomingMessage & { originalUrl?: string };

/**
 * The BFF as a Node request handler, `(req, res)`, for `http.createServer` or as Express / Connect
 * middleware, through `@hono/node-server`'s `getRequestListener`:
 *
 * ```ts
 * const app = express();
 * app.use('/bff', toNodeHandler(bff)); // before express.json() and any other body parser
 * app.use(express.json());
 * ```
 *
 * Mounted under a path (`app.use('/bff', …)`), it routes on the full path (`originalUrl`), so the
 * mount path is the BFF's `basePath`. The BFF streams request bodies to the APIs it proxies: a body
 * parser that ran first has already read the body, and the request is answered
 * `500 request_body_consumed` with the fix, instead of reaching the API without its body.
 */
export function toNodeHandler(app: FetchHandler): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const listener = getRequestListener((request, { incoming }) => (bodyAlreadyRead(incoming) ? bodyConsumedProblem() : app.fetch(request)));
  return (req: NodeRequest, res) => {
    // Express and Connect strip the mount path from `url`; the BFF's routes include it.
    if (typeof req.originalUrl === 'string') req.url = req.originalUrl;
    return listener(req, res);
  };
}

/** Whether something before the BFF (a body parser) read a body the request has. */
function bodyAlreadyRead(incoming: IncomingMessage | Http2ServerRequest): boolean {
  if (incoming.method === 'GET' || incoming.method === 'HEAD') return false;
  // Hosts that keep what they read (Google Cloud Functions, Firebase) leave it in `rawBody`, which
  // @hono/node-server passes on as the body.
  if ('rawBody' in incoming && Buffer.isBuffer(incoming.rawBody)) return false;
  const { 'content-length': length, 'transfer-encoding': encoding } = incoming.headers;
  const hasBody = encoding !== undefined || Number(length ?? 0) > 0;
  return hasBody && (incoming.readableDidRead || incoming.readableEnded);
}

function bodyConsumedProblem(): Response {
  return problemResponse(
    new BffError('request_body_consumed', {
      detail:
        'A body parser read the request body before the BFF could pass it on. Mount the BFF before express.json() ' +
        "and any other body parser: app.use('/bff', toNodeHandler(bff)) first, then app.use(express.json()).",
    }),
  );
}
