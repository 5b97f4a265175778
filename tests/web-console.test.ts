/**
 * The web console in a real browser (Debian's chromium driven by playwright-core, headless)
 * against a real `medslim serve` (random port, temporary data dir, worker as its child process),
 * on the repository's embedded example (examples/pneumoniamnist — always present, so the test needs nothing
 * beside the checkout): the real PneumoniaMNIST ResNet-18 teacher (44.7 MB through the upload form) and every
 * 8th train and 4th val/test image of its dataset (the console is the subject, not the model: a compress job
 * over 589 train images instead of 4,708 keeps the test's length far from its limits on a loaded machine):
 *
 *   sign in with a key → upload teacher and dataset through the Jobs page → create a model →
 *   submit a quick compress job and follow its live progress (SSE) to the end → a quick quantize
 *   job for a second version → promote v1 to prod (gate override with a reason when its gate
 *   failed) → 20 % canary of v2 → roll back → audit log; a change made behind the page's back
 *   answers 412, shown as such with a reload; the model, version and models pages; tablet width.
 *   After predictions through the same server, the cost per 1,000 / 1,000,000 predictions, requests
 *   and served latency on the model page must equal GET /v1/models/{name}/metrics.
 *
 * Screenshots of every page go to tests/output/web-console/. Any browser console error or warning
 * fails the test (the deliberate 412 is the only expected one); a second pass over every page with
 * React's development build catches key and state warnings the production build does not log.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatUsd } from '../web/src/lib/format.ts';
import { examples, exampleSubset, repoRoot } from './helpers/fixtures.ts';
import { buildConsole, client, serve, type Served } from './helpers/web-console.ts';

// Browser globals, used only inside page.evaluate callbacks (the root tsconfig has no DOM lib).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any, window: any, location: any;

const CHROMIUM = '/usr/bin/chromium';
const KEY = 'web-console-test-admin-key-0123456789';
const MODEL = 'pneumonia';
const teacherPath = path.join(examples, 'pneumoniamnist-resnet18.onnx');
let datasetPath: string;
const shots = path.join(repoRoot, 'tests', 'output', 'web-console');
const DESKTOP = { width: 1280, height: 800 };
const TABLET = { width: 820, height: 1180 };
/** Quick compress options: every stage and every candidate of the search runs (no mixed-precision fallback). */
const COMPRESS_OPTIONS = '{"distill": {"epochs": 1}, "prune": {"fineTuneEpochs": 1}, "quantize": {"calibrationSize": 64}, "search": {"mixedPrecision": false}}';
const QUANTIZE_OPTIONS = '{"latencyIterations": 5, "throughputIterations": 1}';

/** The browser is the one thing the repository cannot hold (.ci/run installs Debian's chromium). */
const skipReason = !existsSync(CHROMIUM) ? `${CHROMIUM} absent (apt-get install -y chromium)` : null;

let served: Served;
let dataDir: string;
let browser: Browser;
let page: Page;
let api: ReturnType<typeof client>;
/** Console errors and warnings, and uncaught page errors. */
const problems: string[] = [];
/** Console messages expected right now (e.g. the browser's network error for a deliberate 412). */
let expected: RegExp[] = [];
/** Console messages expected all along (the metrics route's 404 while the server serves no inference). */
const allowed: RegExp[] = [];
let inferenceServed = false;
/** The main flow finished (the other tests read what it made). */
let flowDone = false;
/**
 * Waits until the page shows what `fn` reads, however long a loaded machine takes (vitest's expect.poll gives up
 * after 1 s by default — a deadline, not a condition). The bound only turns a hang into a failure.
 */
const until = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: CONDITION_BOUND_MS, interval: 100 });
/** Upper bound of any single wait for the page (Playwright's actions and waits included): catches hangs only. */
const CONDITION_BOUND_MS = 120_000;
const t0 = Date.now();
const timings: string[] = [];
const mark = (what: string) => timings.push(`${((Date.now() - t0) / 1000).toFixed(0)} s ${what}`);

function watchConsole(p: Page, tag: string) {
  p.on('console', (m: ConsoleMessage) => {
    if (m.type() !== 'error' && m.type() !== 'warning') return;
    const text = `${m.text()} @ ${m.location().url}`;
    if ([...allowed, ...expected].some((re) => re.test(text))) return;
    problems.push(`[${tag} console.${m.type()}] ${text}`);
  });
  p.on('pageerror', (e) => problems.push(`[${tag} pageerror] ${e.message}`));
}

async function shot(name: string, p: Page = page) {
  await p.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

/** Click a link of the main navigation. */
async function nav(name: 'Models' | 'Jobs') {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).click();
}

async function go(hash: string, p: Page = page) {
  await p.evaluate((h) => (location.hash = h), hash);
}

/** Every form control labelled, every table captioned, one h1, nothing wider than the viewport. */
async function checkAccessible(p: Page, where: string) {
  const r = await p.evaluate(() => {
    type El = { type: string; labels?: unknown[]; outerHTML: string; closest: (s: string) => unknown; getAttribute: (a: string) => string | null; querySelector: (s: string) => { textContent: string | null } | null };
    const all = (sel: string): El[] => [...document.querySelectorAll(sel)];
    const controls = all('input, select, textarea').filter((el) => el.type !== 'hidden' && !el.closest('dialog:not([open])'));
    return {
      unlabelled: controls.filter((el) => !(el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby'))).map((el) => el.outerHTML.slice(0, 120)),
      uncaptioned: all('table').filter((t) => !t.querySelector('caption')?.textContent?.trim()).length,
      h1: document.querySelectorAll('h1').length,
      overflow: document.documentElement.scrollWidth - window.innerWidth,
    };
  });
  expect(r.unlabelled, `${where}: unlabelled controls`).toEqual([]);
  expect(r.uncaptioned, `${where}: tables without caption`).toBe(0);
  expect(r.h1, `${where}: h1 count`).toBe(1);
  expect(r.overflow, `${where}: page wider than the viewport`).toBeLessThanOrEqual(0);
}

/** Confirm the open change dialog with a reason, overriding a failed gate when the dialog asks. */
async function confirmChange(reason: string, expectOverride: boolean) {
  const dialog = page.getByRole('dialog');
  await until(() => dialog.isVisible()).toBe(true);
  const override = dialog.getByLabel('Override the failed quality gate');
  expect(await override.isVisible()).toBe(expectOverride);
  await dialog.getByLabel(/^Reason/).fill(reason);
  if (expectOverride) {
    await until(() => dialog.locator('button[type="submit"]').isDisabled()).toBe(true); // not without the override
    await override.check();
  }
  await dialog.locator('button[type="submit"]').click();
}

/** Submit a job of `type` with `preset` and JSON `options` through the Jobs page's form; resolves on the job's page. */
async function submitJob(type: 'compress' | 'quantize', preset: string, options: string) {
  await page.getByLabel('Job type', { exact: true }).selectOption(type);
  await page.getByLabel('Preset', { exact: true }).selectOption(preset);
  await page.getByText('Advanced options (JSON)').click();
  await page.getByLabel('Options, merged over the preset').fill(options);
  await page.getByRole('button', { name: `Submit ${type} job` }).click();
  await page.waitForURL(/#\/jobs\/job_/);
}

async function waitForJob(label: string): Promise<{ stages: string[]; sawEta: boolean }> {
  const stages = new Set<string>();
  let sawEta = false;
  const result = page.getByTestId('job-result');
  const deadline = Date.now() + 8 * 60_000;
  let shotTaken = false;
  while (!(await result.isVisible())) {
    if (Date.now() > deadline) throw new Error(`${label} did not finish in 8 min`);
    const status = (await page.getByTestId('job-status').textContent()) ?? '';
    if (/failed|cancelled/.test(status)) {
      await shot(`${label}-failed`);
      const why = await page.getByRole('alert').allTextContents();
      throw new Error(`${label}: ${status}: ${why.join(' | ')}\nlog:\n${await page.getByTestId('job-log').textContent()}`);
    }
    const stage = /stage (\S+):/.exec(status)?.[1];
    if (stage) stages.add(stage);
    if (await page.getByTestId('job-eta').isVisible()) {
      sawEta = true;
      if (!shotTaken && stage && stage !== 'prepare') {
        await shot(`${label}-running`);
        shotTaken = true;
      }
    }
    await page.waitForTimeout(250);
  }
  return { stages: [...stages], sawEta };
}

describe.skipIf(skipReason !== null)(`web console in Chromium against medslim serve${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  beforeAll(async () => {
    rmSync(shots, { recursive: true, force: true });
    mkdirSync(shots, { recursive: true });
    await buildConsole();
    mark('console built');
    dataDir = await mkdtemp(path.join(tmpdir(), 'medslim-web-'));
    datasetPath = exampleSubset(dataDir, { train: 8, val: 4, test: 4 }).dataPath;
    served = await serve(dataDir, KEY);
    expect(served.output()).toContain(`console: ${served.base}/`);
    api = client(served.base, KEY);
    // Without inference the console asks the metrics route once per page load; the browser logs its 404.
    inferenceServed = (await api('/models/any/metrics')).status === 200;
    if (!inferenceServed) allowed.push(/status of 404 .*\/v1\/models\/[^/]+\/metrics$/);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    page = await browser.newPage({ viewport: DESKTOP, acceptDownloads: true });
    page.setDefaultTimeout(CONDITION_BOUND_MS); // Playwright's default (30 s) is a deadline a loaded machine can miss
    watchConsole(page, 'prod build');
    mark('server and browser up');
  });

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    console.log(`web console e2e timeline:\n  ${timings.join('\n  ')}`);
  });

  it('signs in, uploads, runs a compress and a quantize job live, promotes, canaries, rolls back, and handles a 412', async () => {
    // Sign in (a wrong key first: the form says so).
    await page.goto(`${served.base}/`);
    await page.getByLabel('API key').fill('msk_not-a-real-key-000000000000');
    expected = [/status of 401/];
    await page.getByRole('button', { name: 'Sign in' }).click();
    await until(() => page.getByRole('alert').textContent()).toMatch(/not accepted \(401\)/);
    expected = [];
    await shot('01-sign-in');
    await page.getByLabel('API key').fill(KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Models' }).waitFor();
    await page.getByText('No models yet').waitFor();

    // Jobs page: uploads through the API with the file pickers, then a model.
    await nav('Jobs');
    await page.getByRole('heading', { level: 1, name: 'Jobs' }).waitFor();
    await page.getByLabel('Teacher model (ONNX)').setInputFiles(teacherPath);
    await page.getByTestId('upload-teacher-done').waitFor();
    await page.getByLabel('Dataset (MedMNIST-style .npz)').setInputFiles(datasetPath);
    await page.getByTestId('upload-dataset-done').waitFor();
    const teacherSha = createHash('sha256').update(readFileSync(teacherPath)).digest('hex');
    expect(await page.getByTestId('upload-teacher-done').textContent()).toContain(teacherSha.slice(0, 12));
    await page.getByLabel('Name', { exact: true }).fill(MODEL);
    await page.getByLabel('Description (optional)').fill('PneumoniaMNIST chest X-ray classifier');
    await page.getByRole('button', { name: 'Create model' }).click();
    await page.getByText(`Model ${MODEL} created.`).waitFor();
    await until(() => page.getByLabel('Model (receives the new version)').inputValue()).toBe(MODEL);
    await checkAccessible(page, 'jobs');
    await shot('02-jobs-uploaded');
    mark('uploaded and model created');

    // A quick compress job, followed live to the end.
    await submitJob('compress', 'quick', COMPRESS_OPTIONS);
    const compress = await waitForJob('03-compress-job');
    await shot('04-compress-job-done');
    expect(compress.sawEta).toBe(true);
    expect(compress.stages.length, `stages seen live: ${compress.stages}`).toBeGreaterThanOrEqual(3);
    expect(await page.getByTestId('job-result').textContent()).toContain(`${MODEL} v1`);
    await until(() => page.getByTestId('job-log').textContent()).toContain(`registered version 1 of model '${MODEL}'`);
    mark(`compress job done (stages seen live: ${compress.stages.join(', ')})`);

    // A quick quantize job: version 2.
    await nav('Jobs');
    await submitJob('quantize', 'fast', QUANTIZE_OPTIONS);
    await waitForJob('05-quantize-job');
    expect(await page.getByTestId('job-result').textContent()).toContain(`${MODEL} v2`);
    await shot('06-quantize-job-done');
    mark('quantize job done');

    const v1 = (await api(`/models/${MODEL}/versions/1`)).body;
    const v1GateFailed = v1.gate !== null && v1.gate.passed === false;
    mark(`v1 gate ${v1.gate?.passed ? 'passed' : 'failed'}`);

    // Rollout: promote v1 to prod.
    await go(`#/models/${MODEL}`);
    await page.getByRole('link', { name: 'Roll out…' }).click();
    await page.getByRole('heading', { level: 1, name: `Rollout of ${MODEL}: alias prod` }).waitFor();
    await page.getByText('does not exist yet').waitFor();
    await page.getByLabel('Version', { exact: true }).selectOption('1');
    await page.getByRole('button', { name: 'Promote v1 to prod…' }).click();
    await confirmChange('first release of the compressed model', v1GateFailed);
    await until(() => page.getByTestId('alias-targets').textContent()).toBe('v1');
    await shot('07-rollout-promoted');

    // Keyboard: the dialog opens with Enter, focuses its first field, closes with Escape and returns focus.
    const rollbackButton = page.getByRole('button', { name: 'Roll back prod…' });
    await until(() => rollbackButton.isDisabled()).toBe(true); // just created: nothing to roll back to
    await page.getByLabel('Canary version').selectOption('2');
    const slider = page.getByLabel('Canary weight');
    await slider.focus();
    await page.keyboard.press('End'); // max
    await until(() => page.getByTestId('canary-split').textContent()).toBe('50 % to v2, 50 % to v1');
    await slider.fill('20');
    await until(() => page.getByTestId('canary-split').textContent()).toBe('20 % to v2, 80 % to v1');
    const setCanary = page.getByRole('button', { name: 'Set 20 % canary of v2…' });
    await setCanary.focus();
    await page.keyboard.press('Enter');
    await until(() => page.getByRole('dialog').isVisible()).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.closest('dialog') !== null)).toBe(true);
    expect(await page.getByTestId('dialog-to').textContent()).toBe('v1 80 % · v2 20 %');
    await shot('08-rollout-canary-dialog');
    await page.keyboard.press('Escape');
    await until(() => page.getByRole('dialog').isVisible()).toBe(false);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Set 20 % canary of v2…');

    // 20 % canary of v2 (v1 keeps 80 %: its failed gate still needs the override).
    await setCanary.click();
    await confirmChange('canary: 20 % to the INT8 teacher', v1GateFailed);
    await until(() => page.getByTestId('alias-targets').textContent()).toBe('v1 80 % · v2 20 %');
    const alias = (await api(`/models/${MODEL}/aliases/prod`)).body;
    expect(alias.targets).toEqual([{ version: 1, weight: 0.8 }, { version: 2, weight: 0.2 }]);
    await shot('09-rollout-canary');
    mark('promoted and canary set');

    // Traffic for the serving metrics (when this server serves inference): both versions and the alias.
    const predict = (q: string) =>
      api(`/models/${MODEL}/predict${q}`, { method: 'POST', json: { inputs: { shape: [1, 1, 28, 28], data: Array.from({ length: 784 }, (_, i) => Math.sin(i) * 0.5) } } });
    const probe = await predict('?version=1');
    expect(probe.status === 200, `predict answered ${probe.status} while metrics ${inferenceServed ? 'are' : 'are not'} served`).toBe(inferenceServed);
    if (inferenceServed) {
      for (let i = 0; i < 5; i++) for (const q of ['?version=1', '?version=2', '?alias=prod']) expect((await predict(q)).status).toBe(200);
    }
    mark(`inference ${inferenceServed ? 'served: 16 predictions sent' : 'not served by this server (predict answered 404)'}`);

    // Roll back: prod returns to v1 alone; the audit log has all three changes.
    await rollbackButton.click();
    await confirmChange('canary rolled back after review', false);
    await until(() => page.getByTestId('alias-targets').textContent()).toBe('v1');
    const audit = page.getByTestId('audit-log');
    await until(async () => (await audit.locator('tbody tr').allTextContents()).length).toBe(3);
    const rows = await audit.locator('tbody tr').allTextContents();
    expect(rows[0]).toMatch(/rollback.*v1 80 % · v2 20 %.*v1.*canary rolled back after review/);
    expect(rows[1]).toMatch(/update.*canary: 20 % to the INT8 teacher/);
    expect(rows[2]).toMatch(/create.*first release of the compressed model/);
    if (v1GateFailed) expect(rows[2]).toContain('gate override');
    const trail = (await api(`/models/${MODEL}/audit`)).body.entries;
    expect(trail.map((e: { action: string }) => e.action)).toEqual(['rollback', 'update', 'create']);
    await checkAccessible(page, 'rollout');
    await shot('10-rollout-rolled-back-audit');
    mark('rolled back; audit log shown');

    // Someone else changes prod behind the page's back: the page's next change answers 412.
    const current = await api(`/models/${MODEL}/aliases/prod`);
    const behind = await api(`/models/${MODEL}/aliases/prod`, {
      method: 'PUT',
      headers: { 'if-match': current.headers.get('etag')! },
      json: { targets: [{ version: 1, weight: 0.9 }, { version: 2, weight: 0.1 }], reason: 'changed by another deployer', ...(v1GateFailed ? { force: true } : {}) },
    });
    expect(behind.status).toBe(200);
    await slider.fill('30');
    await page.getByRole('button', { name: 'Set 30 % canary of v2…' }).click();
    expected = [new RegExp(`status of 412 .*/v1/models/${MODEL}/aliases/prod$`)];
    await confirmChange('my canary on a stale page', v1GateFailed);
    const stale = page.getByTestId('stale-alias');
    await stale.waitFor();
    expect(await stale.textContent()).toMatch(/changed by someone else.*412 Precondition Failed/);
    expected = [];
    expect((await api(`/models/${MODEL}/aliases/prod`)).body.targets).toEqual([{ version: 1, weight: 0.9 }, { version: 2, weight: 0.1 }]); // nothing overwritten
    await shot('11-rollout-412');
    await stale.getByRole('button', { name: 'Reload alias' }).click();
    await until(() => page.getByTestId('alias-targets').textContent()).toBe('v1 90 % · v2 10 %');
    expect(await stale.isVisible()).toBe(false);
    await until(async () => (await audit.locator('tbody tr').allTextContents())[0]).toMatch(/update.*changed by another deployer/);
    mark('412 shown and reloaded');

    // Version detail: report, lineage with the teacher's hash, an artifact download.
    await go(`#/models/${MODEL}/versions/1`);
    await page.getByRole('heading', { level: 1, name: `${MODEL} v1` }).waitFor();
    await page.getByRole('heading', { name: 'Stages' }).waitFor();
    const stageRows = await page.getByRole('table', { name: /Each stage of the job/ }).locator('tbody th').allTextContents();
    expect(stageRows).toEqual(['teacher', 'student', 'student-int8', 'pruned', 'int8', 'teacher-int8']); // every candidate of the search
    await page.getByRole('table', { name: /Gate checks/ }).waitFor();
    await page.getByRole('heading', { name: 'Pruning sensitivity analysis' }).waitFor();
    await page.getByRole('table', { name: /by true class/ }).waitFor();
    expect(await page.getByTestId('lineage-teacher-sha256').textContent()).toBe(teacherSha);
    expect(await page.locator('figure.chart svg').count()).toBeGreaterThanOrEqual(2);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download report.json' }).click()]);
    expect(download.suggestedFilename()).toBe('report.json');
    expect(JSON.parse(readFileSync((await download.path())!, 'utf8')).stages).toHaveLength(6);
    await checkAccessible(page, 'version');
    await shot('12-version-detail');

    // Model detail: versions with sizes, AUC and CIs, gate; charts.
    await go(`#/models/${MODEL}`);
    await page.getByTestId('version-row-1').waitFor();
    const row1 = (await page.getByTestId('version-row-1').textContent()) ?? '';
    // The version is the search's chosen model: a student (kB) when one passes, else the INT8 teacher (11.3 MB).
    expect(row1).toMatch(/44\.7 MB → (\d+(\.\d)? kB|11\.3 MB)/);
    expect(row1).toContain(v1GateFailed ? 'gate failed' : 'gate passed');
    expect(await page.getByTestId('version-row-2').textContent()).toContain('no gate');
    expect(await page.locator('figure.chart svg').count()).toBeGreaterThanOrEqual(2);
    if (!inferenceServed) await page.getByText('Serving metrics unavailable').first().waitFor();
    await checkAccessible(page, 'model');
    await shot('13-model-detail');

    // Models page: aliases with weights, latest version.
    await nav('Models');
    await page.getByRole('link', { name: MODEL, exact: true }).waitFor();
    const modelRow = (await page.getByRole('row').filter({ hasText: 'PneumoniaMNIST chest X-ray classifier' }).textContent()) ?? '';
    expect(modelRow).toContain('prodv1 90 % · v2 10 %');
    expect(modelRow).toContain('v2');
    await checkAccessible(page, 'models');
    await shot('14-models');

    // Tablet width.
    await page.setViewportSize(TABLET);
    await checkAccessible(page, 'models (tablet)');
    await shot('15-tablet-models');
    await go(`#/models/${MODEL}/rollout?alias=prod`);
    await page.getByTestId('alias-targets').waitFor();
    await checkAccessible(page, 'rollout (tablet)');
    await shot('16-tablet-rollout');
    await go(`#/models/${MODEL}`);
    await page.getByTestId('version-row-1').waitFor();
    await checkAccessible(page, 'model (tablet)');
    await shot('17-tablet-model-detail');
    await page.setViewportSize(DESKTOP);
    mark('pages checked');

    expect(problems, 'browser console errors and warnings').toEqual([]);
    flowDone = true;
  }, 12 * 60_000);

  it('shows cost per 1,000 and per 1,000,000 predictions equal to GET /v1/models/{name}/metrics', async () => {
    expect(flowDone, 'the main flow (first test) must finish before this check').toBe(true);
    expect(inferenceServed, 'medslim serve answers POST /v1/models/{name}/predict and GET /v1/models/{name}/metrics').toBe(true);
    const metrics = (await api(`/models/${MODEL}/metrics`)).body;
    expect(metrics.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    await go(`#/models/${MODEL}`);
    for (const v of metrics.versions as { version: number; usdPer1k: number; usdPer1M: number; requests: number }[]) {
      expect(v.usdPer1k).toBeGreaterThan(0);
      for (const [id, value] of [[`usd-per-1k-v${v.version}`, v.usdPer1k], [`usd-per-1m-v${v.version}`, v.usdPer1M]] as const) {
        const cell = page.getByTestId(id);
        await until(() => cell.getAttribute('value')).toBe(String(value));
        expect(await cell.textContent()).toBe(formatUsd(value));
      }
      expect(await page.getByTestId(`requests-v${v.version}`).textContent()).toBe(v.requests.toLocaleString('en-US'));
    }
    const served = page.locator('figure').filter({ hasText: 'Served latency over time' });
    await served.locator('.recharts-line').first().waitFor({ state: 'attached' }); // the sampled series
    expect(await served.textContent()).toContain('v1 p50');
    await shot('18-model-detail-cost');
    await go('#/models');
    await until(() => page.getByTestId(`requests-last-hour-${MODEL}`).textContent()).toBe(metrics.all.requestsLastHour.toLocaleString('en-US'));
    expect(problems, 'browser console errors and warnings').toEqual([]);
  });

  it("logs no warning or error with React's development build on any page", async () => {
    expect(flowDone, 'the main flow (first test) must finish before this check').toBe(true);
    const devDir = path.join(dataDir, 'console-dev');
    await buildConsole({ outDir: devDir, development: true });
    const dev = await serve(dataDir, KEY, ['--no-worker', '--console-dir', devDir]);
    const p = await browser.newPage({ viewport: DESKTOP });
    p.setDefaultTimeout(CONDITION_BOUND_MS);
    watchConsole(p, 'dev build');
    try {
      await p.goto(`${dev.base}/`);
      await p.getByLabel('API key').fill(KEY);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.getByRole('link', { name: MODEL, exact: true }).waitFor();
      const job = (await api('/jobs')).body.jobs[0].id as string;
      for (const [hash, ready] of [
        [`#/models/${MODEL}`, '[data-testid="version-row-1"]'],
        [`#/models/${MODEL}/versions/1`, 'table.confusion'],
        [`#/models/${MODEL}/versions/2`, 'table.confusion'],
        [`#/models/${MODEL}/rollout`, '[data-testid="audit-log"]'],
        ['#/jobs', 'text=Recent jobs'],
        [`#/jobs/${job}`, '[data-testid="job-result"]'],
        ['#/nowhere', 'text=Page not found'],
      ] as const) {
        await go(hash, p);
        await p.locator(ready).first().waitFor();
        await p.waitForTimeout(300);
      }
      // A dialog round trip in the development build too.
      await go(`#/models/${MODEL}/rollout`, p);
      await p.getByRole('button', { name: 'Roll back prod…' }).click();
      await p.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
      await until(() => p.getByRole('dialog').isVisible()).toBe(false);
    } finally {
      await p.close();
      await dev.stop();
    }
    expect(problems, 'browser console errors and warnings (development build)').toEqual([]);
  });
});
