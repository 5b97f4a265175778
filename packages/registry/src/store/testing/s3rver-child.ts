/**
 * Runs s3rver in its own process for s3-store.test.ts: `node --openssl-legacy-provider --import tsx
 * s3rver-child.ts <dir> <bucket>`. Prints `{"port":N}` once listening; exits when stdin closes.
 *
 * Why a separate process: s3rver 3.7 encrypts ListObjectsV2 continuation tokens with DES, which
 * OpenSSL 3 (Node ≥ 17) only provides through its legacy provider; without the flag every truncated
 * listing answers 500 InternalError, so pagination can only be exercised in a process started with
 * `--openssl-legacy-provider`.
 */
import S3rver from 's3rver';
import { makeS3rverPutsAtomic } from './atomic-puts.ts';

makeS3rverPutsAtomic();

const [directory, bucket] = process.argv.slice(2);
const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket }] });
const address = await server.run();
process.stdout.write(JSON.stringify({ port: address.port }) + '\n');
process.stdin.resume();
process.stdin.on('end', () => {
  void server.close().finally(() => process.exit(0));
});
