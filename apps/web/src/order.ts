/** An order as the demo API (`orders`) returns it. */
export interface Order {
  id: string;
  item: string;
  createdAt: string;
}

/** The demo API's orders route, through the BFF proxy. */
export const ORDERS_PATH = '/api/orders/orders';
