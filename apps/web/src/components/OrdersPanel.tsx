import { useOrders } from '../use-orders.js';
import { ErrorMessage } from './ErrorMessage.js';
import { NewOrderForm } from './NewOrderForm.js';

/** The signed-in user's orders, fetched from the demo API through the BFF. */
export function OrdersPanel() {
  const { orders, error, loading, creating, reload, create } = useOrders();

  return (
    <section className="panel" aria-labelledby="orders-title" aria-busy={loading}>
      <div className="panel-header">
        <h2 id="orders-title">Your orders</h2>
        <button type="button" data-testid="load-orders" onClick={reload} disabled={loading}>
          {loading ? 'Loading…' : 'Load orders'}
        </button>
      </div>
      <ErrorMessage error={error} />
      {orders && (
        <ul className="orders" data-testid="orders-list">
          {orders.map((order) => (
            <li key={order.id} data-testid="order-item">
              <span>{order.item}</span>
              <time dateTime={order.createdAt}>{new Date(order.createdAt).toLocaleString()}</time>
            </li>
          ))}
        </ul>
      )}
      {orders?.length === 0 && <p className="muted">No orders yet.</p>}
      <NewOrderForm creating={creating} onCreate={create} />
    </section>
  );
}
