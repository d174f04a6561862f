import { defineConfig } from '@playwright/test';

// The server under test: the debug build from `make build`, on its own port, on a fresh
// SQLite file under .tmp/, with a known first admin password. Playwright starts it and
// stops it (by its PID) when the run ends.
export const PORT = Number(process.env.E2E_PORT ?? 3100);
export const ADMIN_PASSWORD = 'e2e-admin-password-1';
// The SMTP sink (smtp-sink.mjs): syncgate sends to SMTP_PORT, tests read from SINK_URL.
export const SMTP_PORT = PORT + 1;
export const SINK_URL = `http://127.0.0.1:${PORT + 2}`;
// The sink's second SMTP server, which signs in with XOAUTH2 only (Office 365, issue 17).
export const OAUTH_SMTP_PORT = PORT + 3;
// A second syncgate, without SYNCGATE_SMTP_URL, that mail-settings.spec.ts starts itself.
export const MAIL_SERVER_PORT = PORT + 10;
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
  webServer: [
    {
      command: 'exec node smtp-sink.mjs',
      cwd: __dirname,
      url: `${SINK_URL}/healthz`,
      reuseExistingServer: false,
      timeout: 20_000,
      env: {
        SINK_SMTP_PORT: String(SMTP_PORT),
        SINK_HTTP_PORT: String(PORT + 2),
        SINK_OAUTH_SMTP_PORT: String(OAUTH_SMTP_PORT),
      },
    },
    {
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
      SYNCGATE_SMTP_URL: `smtp://127.0.0.1:${SMTP_PORT}`,
      SYNCGATE_MAIL_FROM: 'syncgate <noreply@example.it>',
    },
    },
  ],
});
