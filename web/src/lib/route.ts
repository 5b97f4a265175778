/**
 * Hash routes of the console (#/models/pneumonia/versions/2): a static host only ever serves
 * index.html, and a reload keeps the page.
 */

export type Route =
  | { page: 'models' }
  | { page: 'model'; name: string }
  | { page: 'version'; name: string; version: number }
  | { page: 'rollout'; name: string; alias: string | null }
  | { page: 'jobs' }
  | { page: 'job'; id: string }
  | { page: 'not-found'; path: string };

/** Route of a location hash ('' and '#/' are the models page). */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/\/+$/, '') || '/';
  const [pathname, query = ''] = path.split('?');
  const parts = pathname.split('/').filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  const params = new URLSearchParams(query);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'models')) return { page: 'models' };
  if (parts[0] === 'models' && parts.length === 2) return { page: 'model', name: parts[1] };
  if (parts[0] === 'models' && parts.length === 3 && parts[2] === 'rollout') return { page: 'rollout', name: parts[1], alias: params.get('alias') };
  if (parts[0] === 'models' && parts.length === 4 && parts[2] === 'versions' && /^[1-9][0-9]*$/.test(parts[3])) {
    return { page: 'version', name: parts[1], version: Number(parts[3]) };
  }
  if (parts[0] === 'jobs' && parts.length === 1) return { page: 'jobs' };
  if (parts[0] === 'jobs' && parts.length === 2) return { page: 'job', id: parts[1] };
  return { page: 'not-found', path: pathname };
}

/** The hash link of a route. */
export function href(route: Exclude<Route, { page: 'not-found' }>): string {
  const e = encodeURIComponent;
  switch (route.page) {
    case 'models':
      return '#/models';
    case 'model':
      return `#/models/${e(route.name)}`;
    case 'version':
      return `#/models/${e(route.name)}/versions/${route.version}`;
    case 'rollout':
      return `#/models/${e(route.name)}/rollout${route.alias ? `?alias=${e(route.alias)}` : ''}`;
    case 'jobs':
      return '#/jobs';
    case 'job':
      return `#/jobs/${e(route.id)}`;
  }
}
