import type { MouseEvent } from 'react';

const PAGES = [
  { path: '/', label: 'Orders' },
  { path: '/profile', label: 'Profile' },
];

/** Links between the demo's two pages, moving without a page load. */
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
