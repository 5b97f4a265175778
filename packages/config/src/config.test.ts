import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, readSstLinks, vcpusForMemory, type Env } from './index.ts';
import { thrownBy } from '../../../tests/helpers/thrown.ts';

const X64 = { arch: 'x64' };

/** An SST key file as SST writes it: AES-256-GCM, zero nonce, tag appended. */
function sealLinks(links: object): { key: string; file: Buffer } {
  const key = randomBytes(32);
  const cipher = createCipheriv('aes-256-gcm', key, Buffer.alloc(12, 0));
  const body = Buffer.concat([cipher.update(JSON.stringify(links), 'utf8'), cipher.final()]);
  return { key: key.toString('base64'), file: Buffer.concat([body, cipher.getAuthTag()]) };
}

const configError = (fn: () => unknown) => thrownBy(ConfigError, fn);

describe('loadConfig defaults (local, nothing set)', () => {
  const c = loadConfig({}, X64);

  it('stores under .medslim/store and runs jobs in the local worker', () => {
    expect(c.runtime).toBe('local');
    expect(c.store).toEqual({ kind: 'fs', dir: '.medslim/store', url: 'fs:.medslim/store', source: 'default' });
    expect(c.jobs).toEqual({ kind: 'local', source: 'default' });
    expect(c.links).toEqual([]);
  });

  it('gives every inference setting its documented default', () => {
    expect(c.inference).toEqual({
      memoryMb: 512,
      architecture: 'x86_64',
      intraOpNumThreads: 1,
      maxBatch: 64,
      bodyLimitBytes: 6 * 1024 * 1024,
      sessionBudgetBytes: 256 * 1024 * 1024,
      maxConcurrentRuns: 'auto',
      failureTtlMs: 5000,
      maxImagePixels: 40_000_000,
      pricePerGbSecond: 0.0000166667,
      pricePerRequest: 0.0000002,
      preload: [],
      corsOrigins: '*',
    });
  });

  it('serves the API on 127.0.0.1:8787 with a 512 MiB upload limit and no admin key', () => {
    expect(c.api).toEqual({ host: '127.0.0.1', port: 8787, adminKey: undefined, maxUploadBytes: 512 * 1024 * 1024, redirectDownloads: false, corsOrigins: '*' });
  });

  it('uses MEDSLIM_DATA_DIR like medslim serve --data-dir', () => {
    expect(loadConfig({ MEDSLIM_DATA_DIR: '/var/lib/medslim' }, X64).store).toMatchObject({ kind: 'fs', dir: '/var/lib/medslim/store' });
  });
});

describe('store', () => {
  it('reads an S3 bucket from MEDSLIM_BUCKET and MEDSLIM_PREFIX', () => {
    const s = loadConfig({ MEDSLIM_BUCKET: 'medslim-prod-store', MEDSLIM_PREFIX: '/tenant-a/' }, X64).store;
    expect(s).toEqual({ kind: 's3', bucket: 'medslim-prod-store', prefix: 'tenant-a', url: 's3://medslim-prod-store/tenant-a', source: 'MEDSLIM_BUCKET' });
  });

  it('reads the bucket from the SST link Store (SST_RESOURCE_Store)', () => {
    const c = loadConfig({ SST_RESOURCE_Store: JSON.stringify({ name: 'medslim-dev-storebucket-abc', type: 'sst.aws.Bucket' }) }, X64);
    expect(c.store).toMatchObject({ kind: 's3', bucket: 'medslim-dev-storebucket-abc', prefix: '', source: 'SST link Store' });
    expect(c.api.redirectDownloads).toBe(true);
    expect(c.links).toEqual(['Store']);
  });

  it('lets an explicit MEDSLIM_STORE override the link', () => {
    const env = { MEDSLIM_STORE: 's3://other/p?region=eu-west-1', SST_RESOURCE_Store: '{"name":"linked"}' };
    expect(loadConfig(env, X64).store).toEqual({ kind: 's3', bucket: 'other', prefix: 'p', region: 'eu-west-1', url: 's3://other/p?region=eu-west-1', source: 'MEDSLIM_STORE' });
    expect(loadConfig({ MEDSLIM_STORE: 'fs:/tmp/x' }, X64).store).toEqual({ kind: 'fs', dir: '/tmp/x', url: 'fs:/tmp/x', source: 'MEDSLIM_STORE' });
  });

  it('names the variable when the store is malformed', () => {
    expect(configError(() => loadConfig({ MEDSLIM_BUCKET: 'Not_A_Bucket' }, X64)).variable).toBe('MEDSLIM_BUCKET');
    expect(configError(() => loadConfig({ MEDSLIM_STORE: 's3:///prefix' }, X64)).message).toMatch(/MEDSLIM_STORE.*no bucket/);
    const e = configError(() => loadConfig({ SST_RESOURCE_Store: '{"name": 42}' }, X64));
    expect(e.variable).toBe('SST link Store.name');
    expect(configError(() => loadConfig({ SST_RESOURCE_Store: '{not json' }, X64)).variable).toBe('SST_RESOURCE_Store');
  });
});

describe('SST links in a deployed function (SST_KEY + SST_KEY_FILE)', () => {
  const links = {
    Store: { name: 'medslim-prod-storebucket-x1' },
    GpuJobs: { jobQueue: 'arn:aws:batch:eu-west-1:1:job-queue/medslim-prod-gpu', jobDefinition: 'arn:aws:batch:eu-west-1:1:job-definition/medslim-prod-compress:3' },
    AdminKey: { value: 'msk_0123456789abcdefghijklmnop' },
  };
  const sealed = sealLinks(links);
  const env: Env = { SST_KEY: sealed.key, SST_KEY_FILE: 'resource.enc', AWS_LAMBDA_FUNCTION_NAME: 'medslim-prod-Api', SST_RESOURCE_App: '{"name":"medslim","stage":"prod"}' };
  const readFile = (p: string) => {
    expect(p).toBe('resource.enc');
    return sealed.file;
  };

  it('decrypts the links the way SST does and wires store, Batch and the admin key from them', () => {
    const c = loadConfig(env, { ...X64, readFile });
    expect(c.runtime).toBe('lambda');
    expect(c.links).toEqual(['AdminKey', 'App', 'GpuJobs', 'Store']);
    expect(c.store).toMatchObject({ kind: 's3', bucket: 'medslim-prod-storebucket-x1' });
    expect(c.jobs).toEqual({ kind: 'batch', ...links.GpuJobs, source: 'SST link GpuJobs' });
    expect(c.api.adminKey).toBe(links.AdminKey.value);
    expect(c.store.source).toBe('SST link Store');
  });

  it('says which variable is wrong when the key does not fit the file', () => {
    const e = configError(() => readSstLinks({ ...env, SST_KEY: randomBytes(32).toString('base64') }, readFile));
    expect(e.variable).toBe('SST_KEY');
    expect(e.message).toMatch(/does not decrypt/);
    const missing = configError(() => readSstLinks(env, () => { throw new Error('ENOENT'); }));
    expect(missing.variable).toBe('SST_KEY_FILE');
  });
});

describe('job runner', () => {
  it('is AWS Batch when both MEDSLIM_BATCH_JOB_QUEUE and MEDSLIM_BATCH_JOB_DEFINITION are set', () => {
    const c = loadConfig({ MEDSLIM_BATCH_JOB_QUEUE: 'q', MEDSLIM_BATCH_JOB_DEFINITION: 'd:1' }, X64);
    expect(c.jobs).toEqual({ kind: 'batch', jobQueue: 'q', jobDefinition: 'd:1', source: 'MEDSLIM_BATCH_JOB_QUEUE' });
  });

  it('names the missing half of the pair', () => {
    expect(configError(() => loadConfig({ MEDSLIM_BATCH_JOB_QUEUE: 'q' }, X64)).variable).toBe('MEDSLIM_BATCH_JOB_DEFINITION');
    expect(configError(() => loadConfig({ MEDSLIM_BATCH_JOB_DEFINITION: 'd' }, X64)).variable).toBe('MEDSLIM_BATCH_JOB_QUEUE');
  });
});

describe('inference', () => {
  it('takes memory from Lambda and derives the threads from it (1 vCPU per 1,769 MB)', () => {
    const i = loadConfig({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '3008', MEDSLIM_INFER_MEMORY_MB: '128' }, X64).inference;
    expect(i.memoryMb).toBe(3008);
    expect(i.intraOpNumThreads).toBe(2);
    expect(loadConfig({ MEDSLIM_INFER_MEMORY_MB: '10240' }, X64).inference.intraOpNumThreads).toBe(6);
    expect(loadConfig({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '3008', MEDSLIM_INFER_INTRA_OP_THREADS: '1' }, X64).inference.intraOpNumThreads).toBe(1);
  });

  it('prices by architecture unless a price is given', () => {
    expect(loadConfig({}, { arch: 'arm64' }).inference).toMatchObject({ architecture: 'arm64', pricePerGbSecond: 0.0000133334 });
    expect(loadConfig({ MEDSLIM_INFER_ARCHITECTURE: 'arm64' }, X64).inference.architecture).toBe('arm64');
    expect(loadConfig({ MEDSLIM_INFER_PRICE_PER_GB_SECOND: '0.00001' }, X64).inference.pricePerGbSecond).toBe(0.00001);
  });

  it.each([
    ['MEDSLIM_INFER_MAX_BATCH', 'lots', /integer ≥ 1.*'lots'/],
    ['MEDSLIM_INFER_INTRA_OP_THREADS', '0', /integer in 1…64/],
    ['AWS_LAMBDA_FUNCTION_MEMORY_SIZE', '64', /integer in 128…10240/],
    ['MEDSLIM_INFER_ARCHITECTURE', 'sparc', /x86_64, arm64.*'sparc'/],
    ['MEDSLIM_INFER_PRICE_PER_REQUEST', '-1', /number ≥ 0 in USD/],
    ['MEDSLIM_PORT', '70000', /integer in 0…65535/],
    ['MEDSLIM_MAX_UPLOAD_BYTES', '1.5', /integer ≥ 1/],
  ])('%s=%s fails naming the variable', (name, value, message) => {
    const e = configError(() => loadConfig({ [name]: value }, X64));
    expect(e.variable).toBe(name);
    expect(e.message).toMatch(message);
  });
});

describe('api', () => {
  it('reads the admin key from MEDSLIM_ADMIN_KEY or the AdminKey secret, and refuses short keys', () => {
    expect(loadConfig({ MEDSLIM_ADMIN_KEY: 'k'.repeat(20) }, X64).api.adminKey).toBe('k'.repeat(20));
    expect(loadConfig({ SST_RESOURCE_AdminKey: JSON.stringify({ value: 's'.repeat(24) }) }, X64).api.adminKey).toBe('s'.repeat(24));
    expect(configError(() => loadConfig({ MEDSLIM_ADMIN_KEY: 'short' }, X64)).message).toBe('MEDSLIM_ADMIN_KEY must be at least 20 characters (got 5)');
  });
});
