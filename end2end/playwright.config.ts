import { defineConfig } from '@playwright/test';

// The server under test: the debug build from `make build`, on its own port, on a fresh
// SQLite file under .tmp/, with a known first admin password. Playwright starts it and
// stops it (by its PID) when the run ends.
export const PORT = Number(process.env.E2E_PORT ?? 3100);
export const ADMIN_PASSWORD = 'e2e-admin-password-1';
const dataDir = `${__dirname}/.tmp/data`;

export default defineConfig({
  testDir: './tests',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    locale: 'en-US',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    command: `rm -rf ${dataDir} && mkdir -p ${dataDir} && exec ../target/debug/server serve`,
    cwd: __dirname,
    url: `http://127.0.0.1:${PORT}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    env: {
      SYNCGATE_LISTEN: `127.0.0.1:${PORT}`,
      SYNCGATE_DATA_DIR: dataDir,
      SYNCGATE_SITE_ROOT: `${__dirname}/../target/site`,
      SYNCGATE_ADMIN_PASSWORD: ADMIN_PASSWORD,
      SYNCGATE_LOG: 'info',
    },
  },
});
