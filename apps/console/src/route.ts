import { useEffect, useState } from 'preact/hooks';

/** The views, and the roles that may open each (API.md: what each role's endpoints allow). */
export const VIEWS = [
  { id: 'account', label: 'Accounts', roles: ['support', 'finance', 'admin'] },
  { id: 'organization', label: 'Organisations', roles: ['support', 'finance', 'admin'] },
  { id: 'finance', label: 'Finance', roles: ['finance'] },
  { id: 'operators', label: 'Operators', roles: ['admin'] },
] as const;

export type ViewId = (typeof VIEWS)[number]['id'];

export interface Route {
  readonly view: ViewId | undefined;
  /** The id of `#/account/<id>` or `#/organization/<id>`. */
  readonly param: string | undefined;
  readonly raw: string;
}

export function parseRoute(hash: string): Route {
  const [, view, ...rest] = hash.replace(/^#/, '').split('/');
  const known = VIEWS.find((v) => v.id === view)?.id;
  const param = rest.length > 0 && rest.join('/') !== '' ? decodeURIComponent(rest.join('/')) : undefined;
  return { view: known, param, raw: view ?? '' };
}

export function hrefOf(view: ViewId, param?: string): string {
  return param === undefined ? `#/${view}` : `#/${view}/${encodeURIComponent(param)}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
