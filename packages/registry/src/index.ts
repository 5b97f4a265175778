/** @medslim/registry — blob storage (filesystem and S3), model registry and jobs. */
/** The BlobStore seam: one contract, a filesystem and an S3 implementation. */
export * from './store/index.ts';
