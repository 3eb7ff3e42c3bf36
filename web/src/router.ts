import { signal } from './signal.js';

/** The path the page shows (the query string stays in `location.search`); links and redirects change it without a reload (the server answers every /app and /admin path with this page). */
export const currentPath = signal(location.pathname);

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  currentPath.set(location.pathname);
  // Move focus to the new page's heading, so screen readers and keyboards start at the top.
  queueMicrotask(() => document.querySelector<HTMLElement>('main h1')?.focus());
}

addEventListener('popstate', () => currentPath.set(location.pathname));
