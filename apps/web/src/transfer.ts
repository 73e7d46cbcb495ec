/** A transfer as the demo API (`orders`) returns it. */
export interface Transfer {
  id: string;
  to: string;
  amount: number;
  /** The sign-in that authorised it (`acr`). */
  acr?: string;
  createdAt: string;
}

/** The demo API's transfers route, through the BFF proxy: it needs a recent second factor. */
export const TRANSFERS_PATH = '/api/orders/transfers';

/** The page of the transfer form: where the trip to the IdP for a second factor comes back to. */
export const TRANSFER_PAGE = '/transfer';
