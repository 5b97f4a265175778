import { describe, expect, it } from 'vitest';
import { operationUrl } from './operations.ts';

describe('operationUrl', () => {
  it('fills and encodes path parameters, appends the query parameters that are set', () => {
    expect(operationUrl('GET /v1/models/{name}/versions/{v}', { name: 'chest x/ray', v: 3 })).toEqual({ method: 'GET', url: '/v1/models/chest%20x%2Fray/versions/3' });
    expect(operationUrl('GET /v1/jobs', undefined, { status: undefined, limit: 50 })).toEqual({ method: 'GET', url: '/v1/jobs?limit=50' });
    expect(operationUrl('POST /v1/models')).toEqual({ method: 'POST', url: '/v1/models' });
  });
  it('names a missing path parameter', () => {
    expect(() => operationUrl('GET /v1/jobs/{id}', {})).toThrowError("GET /v1/jobs/{id}: path parameter 'id' missing");
  });
});
