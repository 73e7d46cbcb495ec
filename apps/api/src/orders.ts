import { randomUUID } from 'node:crypto';

/** An order as the API returns it. */
export interface Order {
  readonly id: string;
  readonly item: string;
  /** ISO 8601 timestamp. */
  readonly createdAt: string;
}

/** Orders kept in memory, per user (`sub`): each user sees only their own. */
export class OrderStore {
  readonly #bySubject = new Map<string, Order[]>();

  /** The user's orders, oldest first. */
  list(sub: string): readonly Order[] {
    return this.#bySubject.get(sub) ?? [];
  }

  /** One of the user's orders, or `undefined` (also when it belongs to someone else). */
  get(sub: string, id: string): Order | undefined {
    return this.list(sub).find((order) => order.id === id);
  }

  /** Records a new order for the user. */
  create(sub: string, item: string): Order {
    const order: Order = { id: randomUUID(), item, createdAt: new Date().toISOString() };
    const orders = this.#bySubject.get(sub) ?? [];
    orders.push(order);
    this.#bySubject.set(sub, orders);
    return order;
  }
}
