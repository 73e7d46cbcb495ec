import type { MouseEvent } from 'react';
import { TRANSFER_PAGE } from '../transfer.js';

const PAGES = [
  { path: '/', label: 'Orders' },
  { path: TRANSFER_PAGE, label: 'Transfer' },
  { path: '/profile', label: 'Profile' },
];

/** Links between the demo's pages, moving without a page load. */
export function NavBar({ path, goTo }: { path: string; goTo: (path: string) => void }) {
  const follow = (event: MouseEvent<HTMLAnchorElement>, to: string) => {
    event.preventDefault();
    goTo(to);
  };
  return (
    <nav className="nav" aria-label="Pages">
      {PAGES.map((page) => (
        <a
          key={page.path}
          href={page.path}
          aria-current={path === page.path ? 'page' : undefined}
          onClick={(event) => follow(event, page.path)}
        >
          {page.label}
        </a>
      ))}
    </nav>
  );
}
