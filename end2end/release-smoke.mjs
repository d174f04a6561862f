// `make smoke`: the release build (optimised, split, served by the release binary) hydrates
// and moves between a page of the main module and a lazy route without a browser error. The
// Playwright suite runs the debug build; this catches what only the release build does
// (e.g. server and browser compiled with different settings: a hydration panic).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';

const port = 3077;
const base = `http://127.0.0.1:${port}`;
const password = 'smoke-admin-pass-1';
const data = fs.mkdtempSync(path.join(os.tmpdir(), 'syncgate-smoke-'));
const server = spawn('../target/release/server', ['serve'], {
  env: {
    ...process.env,
    SYNCGATE_DATA_DIR: data,
    SYNCGATE_LISTEN: `127.0.0.1:${port}`,
    SYNCGATE_PUBLIC_URL: base,
    SYNCGATE_ADMIN_PASSWORD: password,
    SYNCGATE_SITE_ROOT: '../target/site',
  },
  stdio: 'ignore',
});
const stop = () => server.kill('SIGTERM');
let failed = false;
try {
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${base}/healthz`)).ok) break; } catch {}
    if (i > 100) throw new Error('the release server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text().slice(0, 300)); });
  const hydrated = () => page.waitForSelector('body[data-hydrated="true"]', { state: 'attached', timeout: 20000 });
  await page.goto(`${base}/login`);
  await hydrated();
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/preferences/, { timeout: 20000 });
  await page.goto(`${base}/admin/users`);
  await hydrated();
  await page.getByRole('heading', { name: 'Users' }).first().waitFor({ timeout: 20000 });
  await browser.close();
  if (errors.length) throw new Error(`browser errors: ${errors.join(' | ')}`);
  console.log('release build: /login hydrates, signs in, /preferences and /admin/users (lazy) load: ok');
} catch (e) {
  console.error(String(e));
  failed = true;
} finally {
  stop();
  fs.rmSync(data, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
