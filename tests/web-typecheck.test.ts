/** The web console type-checks on its own settings (DOM lib, react-jsx): web/tsconfig.json. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/fixtures.ts';
import { run, webDir } from './helpers/web-console.ts';

describe('web console', () => {
  it('type-checks (tsc --noEmit -p web/tsconfig.json)', async () => {
    const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    await expect(run(process.execPath, [tsc, '--noEmit', '-p', 'tsconfig.json'], { cwd: webDir, timeoutMs: 170_000 })).resolves.toBe('');
  }, 180_000);
});
