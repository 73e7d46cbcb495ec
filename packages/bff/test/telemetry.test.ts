import { ALICE, BOB, type DemoUser } from '@cloakroom/idp';
import { revokeToken, signIn, submitForm, TestBrowser } from '@cloakroom/idp/testing';
import { registry } from '@cloakroom/test-harness';
import { context, metrics, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { DataPointType, MeterProvider, MetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySessionStore } from '../src/index.js';
import { ORDERS_RESOURCE, startStack } from './stack.js';
import { startUpstream, type CapturingUpstream } from './upstream.js';

const json = { 'x-csrf': '1' };
const ACCESS_TOKEN_TTL = 3;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A browser's own trace context, as an instrumented SPA (or anyone) may send it. */
const BROWSER_TRACE_ID = 'a'.repeat(32);
const BROWSER_SPAN_ID = 'b'.repeat(16);
const BROWSER_TRACEPARENT = `00-${BROWSER_TRACE_ID}-${BROWSER_SPAN_ID}-01`;

let upstream: CapturingUpstream;
let stack: Awaited<ReturnType<typeof startStack>>;
let store: MemorySessionStore;
let origin: string;
/** Every session id this file saw: none may be in a span or a metric. */
const sessionIds = new Set<string>();

beforeAll(async () => {
  upstream = await startUpstream();
  store = new MemorySessionStore();
  stack = await startStack(
    () => ({
      orders: { baseUrl: upstream.url, scopes: ['orders:read'], resource: ORDERS_RESOURCE },
      backOffice: { baseUrl: upstream.url, token: 'client', scopes: ['orders:read'], resource: ORDERS_RESOURCE },
    }),
    { idp: { accessTokenTtl: ACCESS_TOKEN_TTL }, bff: { session: { store }, refreshMargin: 0.5 } },
  );
  origin = stack.bff.origin;
});
afterAll(async () => {
  await stack.close();
  await upstream.close();
});

/** Signs `user` in through the IdP's pages; the browser, a call to an API, and the new session's id. */
async function signedIn(user: DemoUser = ALICE) {
  const before = new Set(await store.idsBySub(user.sub));
  const browser = new TestBrowser();
  await signIn(browser, `${origin}/bff/login`, user);
  const id = (await store.idsBySub(user.sub)).find((candidate) => !before.has(candidate))!;
  sessionIds.add(id);
  const call = (api = 'orders', headers: Record<string, string> = {}) =>
    browser.fetch(`${origin}/bff/api/${api}/orders`, { headers: { ...json, ...headers } });
  return { browser, id, call };
}

const lastUpstreamHeaders = () => upstream.requests.at(-1)!.headers;

describe('without an OpenTelemetry SDK (the default: the API is a no-op)', () => {
  it('proxies as before: no trace context of its own, and the browser’s passed on as it was', async () => {
    const { call } = await signedIn();
    expect((await call()).status).toBe(200);
    expect(lastUpstreamHeaders().traceparent).toBeUndefined();
    expect((await call('orders', { traceparent: BROWSER_TRACEPARENT })).status).toBe(200);
    expect(lastUpstreamHeaders().traceparent).toBe(BROWSER_TRACEPARENT);
  });
});

describe('with the OpenTelemetry SDK registered after the BFF was created', () => {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  /** A pull reader, as a Prometheus endpoint is: the test collects when it wants to look. */
  class CollectingReader extends MetricReader {
    protected override async onForceFlush(): Promise<void> {}
    protected override async onShutdown(): Promise<void> {}
  }
  const reader = new CollectingReader();
  const meterProvider = new MeterProvider({ readers: [reader] });

  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(tracerProvider);
    metrics.setGlobalMeterProvider(meterProvider);
  });
  afterAll(async () => {
    await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
    trace.disable();
    metrics.disable();
    propagation.disable();
    context.disable();
  });

  /** The spans that ended while `task` ran. */
  async function spansOf(task: () => Promise<unknown>): Promise<ReadableSpan[]> {
    const before = exporter.getFinishedSpans().length;
    await task();
    await tracerProvider.forceFlush();
    return exporter.getFinishedSpans().slice(before);
  }
  const named = (spans: ReadableSpan[], name: string) => {
    const found = spans.filter((span) => span.name === name);
    expect(found, name).toHaveLength(1);
    return found[0]!;
  };
  const childOf = (child: ReadableSpan, parent: ReadableSpan) => {
    expect(child.spanContext().traceId).toBe(parent.spanContext().traceId);
    expect(child.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
  };

  async function collected(): Promise<MetricData[]> {
    const { resourceMetrics } = await reader.collect();
    return resourceMetrics.scopeMetrics.filter(({ scope }) => scope.name === '@cloakroom/bff').flatMap(({ metrics }) => metrics);
  }
  /** The value of a sum (counter, up-down counter) for the data point with these attributes; 0 if none yet. */
  async function sum(name: string, attributes: Record<string, unknown> = {}): Promise<number> {
    const metric = (await collected()).find(({ descriptor }) => descriptor.name === name);
    if (!metric) return 0;
    expect(metric.dataPointType).toBe(DataPointType.SUM);
    const point = metric.dataPoints.find((candidate) =>
      Object.entries(attributes).every(([key, value]) => candidate.attributes[key] === value),
    );
    return (point?.value as number | undefined) ?? 0;
  }

  it('traces sign-in: login and callback SERVER spans, the code exchange under the callback; one more active session', async () => {
    const active = await sum('cloakroom.sessions.active');
    const spans = await spansOf(() => signedIn());
    const login = named(spans, 'cloakroom login');
    const callback = named(spans, 'cloakroom callback');
    for (const span of [login, callback]) {
      expect(span.kind).toBe(SpanKind.SERVER);
      expect(span.parentSpanContext).toBeUndefined();
      expect(span.attributes['http.request.method']).toBe('GET');
      expect(span.attributes['http.response.status_code']).toBe(302);
    }
    expect(login.attributes).toMatchObject({ 'url.path': '/bff/login', 'http.route': '/bff/login' });
    // The path only: the callback's query holds the authorization code.
    expect(callback.attributes['url.path']).toBe('/bff/callback');
    const exchange = named(spans, 'cloakroom authorization_code_grant');
    expect(exchange.kind).toBe(SpanKind.INTERNAL);
    childOf(exchange, callback);
    expect(exchange.attributes).toMatchObject({ 'cloakroom.idp.operation': 'authorization_code_grant', 'server.address': '127.0.0.1' });
    expect(await sum('cloakroom.sessions.active')).toBe(active + 1);
  });

  it('traces a proxied call: the upstream call is a CLIENT span under the proxy span, whose id the upstream gets in traceparent', async () => {
    const { call } = await signedIn();
    const spans = await spansOf(async () => expect((await call()).status).toBe(200));
    const proxy = named(spans, 'cloakroom proxy');
    expect(proxy.kind).toBe(SpanKind.SERVER);
    expect(proxy.attributes).toEqual({
      'http.request.method': 'GET',
      'url.path': '/bff/api/orders/orders',
      'http.route': '/bff/api/:api/*',
      'cloakroom.api': 'orders',
      'http.response.status_code': 200,
    });
    const client = named(spans, 'GET');
    expect(client.kind).toBe(SpanKind.CLIENT);
    childOf(client, proxy);
    const { port } = new URL(upstream.url);
    expect(client.attributes).toEqual({
      'http.request.method': 'GET',
      'url.full': `${upstream.url}/orders`,
      'server.address': '127.0.0.1',
      'server.port': Number(port),
      'cloakroom.api': 'orders',
      'http.response.status_code': 200,
    });
    expect(lastUpstreamHeaders().traceparent).toBe(`00-${client.spanContext().traceId}-${client.spanContext().spanId}-01`);

    const durations = (await collected()).find(({ descriptor }) => descriptor.name === 'cloakroom.proxy.duration')!;
    expect(durations.descriptor.unit).toBe('s');
    const point = durations.dataPoints.find(({ attributes }) => attributes['cloakroom.api'] === 'orders')!;
    expect(point.attributes).toEqual({ 'cloakroom.api': 'orders', 'http.request.method': 'GET', 'http.response.status_code': 200 });
    expect((point.value as { count: number }).count).toBeGreaterThanOrEqual(1);
  });

  it('starts a new trace when the browser sends a traceparent, linked to the browser’s, and sends the upstream its own', async () => {
    const { call } = await signedIn();
    const spans = await spansOf(() => call('orders', { traceparent: BROWSER_TRACEPARENT }));
    const proxy = named(spans, 'cloakroom proxy');
    expect(proxy.spanContext().traceId).not.toBe(BROWSER_TRACE_ID);
    expect(proxy.parentSpanContext).toBeUndefined();
    expect(proxy.links.map((link) => link.context)).toEqual([
      { traceId: BROWSER_TRACE_ID, spanId: BROWSER_SPAN_ID, traceFlags: 1, isRemote: true },
    ]);
    const client = named(spans, 'GET');
    expect(lastUpstreamHeaders().traceparent).toBe(`00-${proxy.spanContext().traceId}-${client.spanContext().spanId}-01`);
  });

  it('makes the refresh of an expired token a span under the proxy span, counted as a success', async () => {
    const { call } = await signedIn();
    const successes = await sum('cloakroom.refresh.grants', { 'cloakroom.refresh.outcome': 'success' });
    await sleep(ACCESS_TOKEN_TTL * 1000 + 200);
    const spans = await spansOf(async () => expect((await call()).status).toBe(200));
    const refresh = named(spans, 'cloakroom refresh');
    expect(refresh.kind).toBe(SpanKind.INTERNAL);
    childOf(refresh, named(spans, 'cloakroom proxy'));
    expect(refresh.attributes).toEqual({
      'cloakroom.idp.operation': 'refresh_token_grant',
      'server.address': '127.0.0.1',
      'cloakroom.refresh.outcome': 'success',
    });
    expect(await sum('cloakroom.refresh.grants', { 'cloakroom.refresh.outcome': 'success' })).toBe(successes + 1);
  });

  it('makes a client-credentials grant a span under the proxy span', async () => {
    const { call } = await signedIn();
    const spans = await spansOf(async () => expect((await call('backOffice')).status).toBe(200));
    const grant = named(spans, 'cloakroom client_credentials');
    childOf(grant, named(spans, 'cloakroom proxy'));
    expect(grant.attributes).toEqual({ 'cloakroom.idp.operation': 'client_credentials_grant', 'server.address': '127.0.0.1' });
    childOf(named(spans, 'GET'), named(spans, 'cloakroom proxy'));
  });

  it('traces a back-channel logout sent by the IdP: the sessions it ended, one active session fewer', async () => {
    const { browser, id } = await signedIn(BOB);
    const active = await sum('cloakroom.sessions.active');
    const spans = await spansOf(async () => {
      const confirm = await browser.follow(`${stack.idp.issuer}/session/end`);
      await submitForm(browser, { url: confirm.url, html: await confirm.text() }, { button: 'Sign out' });
    });
    expect(await store.get(id)).toBeUndefined();
    const logout = named(spans, 'cloakroom backchannel_logout');
    expect(logout.kind).toBe(SpanKind.SERVER);
    expect(logout.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.response.status_code': 200,
      'cloakroom.sessions.ended': 1,
    });
    // The logout token's signature is checked with the IdP's keys: an exchange of its own.
    childOf(named(spans, 'cloakroom jwks'), logout);
    expect(await sum('cloakroom.sessions.active')).toBe(active - 1);
  });

  it('counts a refused refresh token as rejected and an IdP that is down as idp_unavailable, by error code', async () => {
    const revoked = await signedIn();
    const kept = await signedIn(BOB);
    const refreshToken = (await store.get(revoked.id))!.refreshToken!;
    await revokeToken(stack.idp.issuer, refreshToken);
    const outcomes = async () => ({
      rejected: await sum('cloakroom.refresh.grants', { 'cloakroom.refresh.outcome': 'rejected' }),
      unavailable: await sum('cloakroom.refresh.grants', { 'cloakroom.refresh.outcome': 'idp_unavailable' }),
      expiredErrors: await sum('cloakroom.idp.errors', {
        'cloakroom.idp.operation': 'refresh_token_grant',
        'error.type': 'session_expired',
      }),
      unavailableErrors: await sum('cloakroom.idp.errors', {
        'cloakroom.idp.operation': 'refresh_token_grant',
        'error.type': 'idp_unavailable',
      }),
      active: await sum('cloakroom.sessions.active'),
    });
    const before = await outcomes();
    await sleep(ACCESS_TOKEN_TTL * 1000 + 200);

    const rejectedSpans = await spansOf(async () => expect((await revoked.call()).status).toBe(401));
    expect(named(rejectedSpans, 'cloakroom refresh').attributes).toMatchObject({
      'cloakroom.refresh.outcome': 'rejected',
      'error.type': 'session_expired',
    });
    const expired = named(rejectedSpans, 'cloakroom proxy');
    expect(expired.attributes).toMatchObject({ 'http.response.status_code': 401, 'error.type': 'session_expired' });
    expect(expired.status.code).toBe(SpanStatusCode.UNSET); // a 4xx is the client's

    await stack.idp.close(); // the last use of the IdP in this file
    const downSpans = await spansOf(async () => expect((await kept.call()).status).toBe(503));
    const refresh = named(downSpans, 'cloakroom refresh');
    expect(refresh.attributes).toMatchObject({ 'cloakroom.refresh.outcome': 'idp_unavailable', 'error.type': 'idp_unavailable' });
    expect(refresh.status.code).toBe(SpanStatusCode.ERROR);
    const proxy = named(downSpans, 'cloakroom proxy');
    expect(proxy.attributes).toMatchObject({ 'http.response.status_code': 503, 'error.type': 'idp_unavailable' });
    expect(proxy.status.code).toBe(SpanStatusCode.ERROR);

    expect(await outcomes()).toEqual({
      rejected: before.rejected + 1,
      unavailable: before.unavailable + 1,
      expiredErrors: before.expiredErrors + 1,
      unavailableErrors: before.unavailableErrors + 1,
      // The refused refresh ended its session; the one the IdP could not refresh was kept.
      active: before.active - 1,
    });
  });

  it('records no token, cookie, session id, sub or other claim in any span or metric', async () => {
    // The bearer tokens the upstream got went through undici, not through the fetch the registry watches.
    for (const { headers } of upstream.requests) registry.record('access token', headers.authorization?.split(' ')[1]);
    expect(registry.size).toBeGreaterThan(0);
    const spans = exporter.getFinishedSpans();
    expect(spans.length).toBeGreaterThan(20);
    const recorded = JSON.stringify({
      spans: spans.map(({ name, attributes, events, links, status }) => ({ name, attributes, events, links, status })),
      metrics: (await collected()).map(({ descriptor, dataPoints }) => ({
        name: descriptor.name,
        attributes: dataPoints.map(({ attributes }) => attributes),
      })),
    });
    expect(registry.findLeaks(recorded)).toEqual([]);
    const personal = [ALICE, BOB].flatMap(({ sub, name, givenName, familyName, email }) => [sub, name, givenName, familyName, email]);
    for (const value of [...personal, ...sessionIds]) expect(recorded).not.toContain(value);
  });
});
