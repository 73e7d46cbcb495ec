import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a capturing upstream saw of one request. */
export interface CapturedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface CapturingUpstream {
  url: string;
  requests: CapturedRequest[];
  close(): Promise<void>;
}

/**
 * A real HTTP server on a free loopback port that records every request and answers with `respond`
 * (default: 200 JSON echo). Tests use it to see exactly what the BFF sends upstream.
 */
export async function startUpstream(
  respond: (request: CapturedRequest, res: ServerResponse, req: IncomingMessage) => void = (request, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: request.url }));
  },
): Promise<CapturingUpstream> {
  const requests: CapturedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const captured = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() };
      requests.push(captured);
      respond(captured, res, req);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
