'use client';
// The React app: @cloakroom/react talks to the BFF's routes above, on the same origin.
import { AuthProvider, BffError, SignedIn, SignedOut, useBffFetch, useSession } from '@cloakroom/react';
import { useState } from 'react';

interface Order {
  id: string;
  item: string;
}

function Orders() {
  const bffFetch = useBffFetch();
  const [orders, setOrders] = useState<Order[]>([]);
  const [error, setError] = useState<string | null>(null);
  const run = (task: () => Promise<unknown>) =>
    task()
      .then(() => bffFetch.json<Order[]>('/api/orders/orders')) // GET /bff/api/orders/orders
      .then(setOrders)
      .catch((e: unknown) => setError(e instanceof BffError ? e.code : String(e)));
  return (
    <>
      <button onClick={() => void run(async () => undefined)}>Load orders</button>
      <button onClick={() => void run(() => bffFetch.json('/api/orders/orders', { method: 'POST', body: { item: 'Tea' } }))}>
        Order tea
      </button>
      {error && <p role="alert">{error}</p>}
      <ul>
        {orders.map((order) => (
          <li key={order.id}>{order.item}</li>
        ))}
      </ul>
    </>
  );
}

function Home() {
  const { status, login, logout } = useSession();
  if (status === 'loading') return <p>Loading…</p>;
  return (
    <main>
      <SignedIn>
        {(user) => (
          <>
            <p>Signed in as {String(user.name)}</p>
            <button onClick={() => void logout({ returnTo: '/' })}>Sign out</button>
            <Orders />
          </>
        )}
      </SignedIn>
      <SignedOut>
        <button onClick={() => login()}>Sign in</button>
      </SignedOut>
    </main>
  );
}

export default function Page() {
  return (
    <AuthProvider>
      <Home />
    </AuthProvider>
  );
}
