// A user's first component, as the README shows it: the whole public API of @cloakroom/react.
import { BffError } from '@cloakroom/client';
import { AuthProvider, RequireAuth, SignedIn, SignedOut, useBffFetch, useSession } from '@cloakroom/react';
import { useState } from 'react';

interface Order {
  id: string;
}

function Orders() {
  const { status, user, login, logout } = useSession();
  const bffFetch = useBffFetch();
  const [orders, setOrders] = useState<Order[]>([]);
  const [error, setError] = useState<string>();
  if (status === 'loading') return <p>Loading…</p>;
  if (status !== 'authenticated') return <button onClick={() => login()}>Sign in</button>;
  const load = async () => {
    try {
      setOrders(await bffFetch.json<Order[]>('/api/orders/orders'));
    } catch (failure) {
      setError(failure instanceof BffError ? failure.code : String(failure));
    }
  };
  return (
    <>
      <p>Hello {user.name}</p>
      <button onClick={load}>Load orders</button>
      <ul>
        {orders.map((order) => (
          <li key={order.id}>{order.id}</li>
        ))}
      </ul>
      {error === undefined ? null : <p role="alert">{error}</p>}
      <button onClick={() => logout()}>Sign out</button>
    </>
  );
}

export function App() {
  return (
    <AuthProvider>
      <SignedIn>
        <RequireAuth>
          <Orders />
        </RequireAuth>
      </SignedIn>
      <SignedOut>
        <Orders />
      </SignedOut>
    </AuthProvider>
  );
}
