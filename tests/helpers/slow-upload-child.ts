/** Child for the janitor test: starts a large upload into a filesystem store and never finishes it (the test kills it with SIGKILL). */
import { FsBlobStore } from '@medslim/registry';

const store = new FsBlobStore(process.argv[2]);
async function* slow(): AsyncGenerator<Uint8Array> {
  for (let i = 0; ; i++) {
    yield new Uint8Array(1 << 20).fill(i & 255);
    if (i === 4) process.stdout.write('writing\n');
    await new Promise((r) => setTimeout(r, 20));
  }
}
await store.put('tenants/hosp-a/uploads/up_killed/blob', slow());
