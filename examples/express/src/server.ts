// The BFF inside an Express 5 app.
import { createBff } from '@cloakroom/bff';
import { toNodeHandler } from '@cloakroom/bff/node';
import { bffConfigFromEnv } from '@cloakroom/example-config';
import express from 'express';

const bff = createBff(bffConfigFromEnv(process.env));
// Discover the IdP now: a configuration that does not fit it fails here, not at the first sign-in.
await bff.ready();

const app = express();

// The BFF first, before express.json() or any other body parser: it passes request bodies on to your
// APIs as they stream in, and a parser that ran before it would have read them already (the BFF then
// answers 500 request_body_consumed rather than send the API a request without its body).
app.use('/bff', toNodeHandler(bff));

// Then the rest of your app, body parsers included.
app.use(express.json());
app.post('/feedback', (req, res) => {
  res.status(202).json({ received: req.body as unknown });
});

const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 3000);
const server = app.listen(port, host, (error) => {
  if (error) throw error;
  console.log(`Listening on http://${host}:${port}`);
});

// Finish the requests in flight, then exit.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => server.close(() => process.exit(0)));
