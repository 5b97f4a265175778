import { describe, expect, it } from 'vitest';
import { href, parseRoute, type Route } from './route.ts';

describe('hash routes', () => {
  it('round-trip every page, with names that need escaping', () => {
    const routes: Exclude<Route, { page: 'not-found' }>[] = [
      { page: 'models' },
      { page: 'model', name: 'chest.x-ray_v2' },
      { page: 'version', name: 'breast', version: 12 },
      { page: 'rollout', name: 'breast', alias: 'prod' },
      { page: 'rollout', name: 'breast', alias: null },
      { page: 'jobs' },
      { page: 'job', id: 'job_0mx1w3nk1ee85803cf4' },
      { page: 'model', name: 'a b/c' },
    ];
    for (const r of routes) expect(parseRoute(href(r))).toEqual(r);
  });
  it('treats an empty hash as the models page and anything else as not found', () => {
    expect(parseRoute('')).toEqual({ page: 'models' });
    expect(parseRoute('#/')).toEqual({ page: 'models' });
    expect(parseRoute('#/models/x/versions/0')).toEqual({ page: 'not-found', path: '/models/x/versions/0' });
    expect(parseRoute('#/nope')).toEqual({ page: 'not-found', path: '/nope' });
  });
});
