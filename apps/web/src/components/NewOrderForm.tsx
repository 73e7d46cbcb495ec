import { useState } from 'react';
import type { FormEvent } from 'react';

/** A one-field form that creates an order and clears itself once it is created. */
export function NewOrderForm({ creating, onCreate }: { creating: boolean; onCreate: (item: string) => Promise<boolean> }) {
  const [item, setItem] = useState('');

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const trimmed = item.trim();
    if (trimmed === '') return;
    if (await onCreate(trimmed)) setItem('');
  };

  return (
    <form className="new-order" onSubmit={(event) => void submit(event)}>
      <input
        data-testid="new-order-input"
        aria-label="New order"
        placeholder="e.g. Wool coat"
        value={item}
        onChange={(event) => setItem(event.target.value)}
        required
      />
      <button type="submit" data-testid="create-order" disabled={creating}>
        Create order
      </button>
    </form>
  );
}
