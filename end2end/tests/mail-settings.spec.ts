import { test, expect, type APIRequestContext, type Locator, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { MAIL_SERVER_PORT, OAUTH_SMTP_PORT, SINK_URL, SMTP_PORT } from '../playwright.config';
import { ADMIN_PASSWORD, confirmItIsYou, createUserViaApi, logIn, uniqueName, waitForHydration } from './helpers';

// Issue 17: "Mail delivery" on /admin/settings. The main server has SYNCGATE_SMTP_URL, so there
// the section is read-only; Office 365 (OAuth2) is set up on a second server, started here,
// that has no mail server of its own. The sink (smtp-sink.mjs) plays Microsoft: a token
// endpoint and an SMTP server that takes only the tokens it gave.

const json = { headers: { Accept: 'application/json' } };
const END2END = path.resolve(__dirname, '..');
const MAIL_BASE_URL = `http://127.0.0.1:${MAIL_SERVER_PORT}`;
const TENANT = 'contoso.onmicrosoft.com';
const TOKEN_URL = `${SINK_URL}/oauth2/${TENANT}/oauth2/v2.0/token`;

const ENV_NOTE = 'Set by environment variables on the server (SYNCGATE_SMTP_URL): shown read-only.';
const ENV_NOTE_IT = "Impostata da variabili d'ambiente sul server (SYNCGATE_SMTP_URL): mostrata in sola lettura.";
const OUTBOX_NOTE = 'No mail server is configured yet: each email is written to the outbox folder on the server.';

/** The "Mail delivery" section (a region named by its h2, like the page's other cards). */
function mailSection(page: Page, title = 'Mail delivery'): Locator {
  return page.getByRole('region', { name: title });
}

/** The field labelled exactly `label` in the section, checked to be the one with `id`. */
async function field(mail: Locator, label: string, id: string): Promise<Locator> {
  const input = mail.getByLabel(label, { exact: true });
  await expect(input).toHaveId(id);
  return input;
}

/**
 * Clicks "Save mail settings" and waits for "Saved.". Saving takes a fresh re-authentication:
 * the dialog opens unless the admin gave their password a short while ago in this session.
 */
async function saveMailSettings(page: Page, mail: Locator, password: string) {
  const dialog = page.getByRole('dialog', { name: 'You need to authenticate to continue' });
  const saved = mail.getByText('Saved.', { exact: true });
  await mail.getByRole('button', { name: 'Save mail settings' }).click();
  await expect(dialog.or(saved)).toBeVisible();
  if (await dialog.isVisible()) {
    await confirmItIsYou(page, password);
  }
  await expect(saved).toBeVisible();
}

/** A date `days` from today (UTC, as the server counts), as YYYY-MM-DD. */
function daysFromToday(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

type SinkMail = { to: string[]; subject: string; via: 'plain' | 'oauth2'; user: string | null; at: number };

/** Every mail the sink received for `to`, through either of its SMTP servers. */
async function sinkMails(request: APIRequestContext, to: string): Promise<SinkMail[]> {
  const res = await request.get(`${SINK_URL}/messages?to=${encodeURIComponent(to)}`);
  expect(res.ok()).toBeTruthy();
  return res.json();
}

/** How many token requests the sink's token endpoint had, and how many it granted. */
async function tokenCounts(request: APIRequestContext): Promise<{ issued: number; requests: number }> {
  const res = await request.get(`${SINK_URL}/tokens`);
  expect(res.ok()).toBeTruthy();
  return res.json();
}

// ---- The second server ----

type Server = { child: ChildProcess; log: string[] };

async function answersHealthz(): Promise<boolean> {
  try {
    const res = await fetch(`${MAIL_BASE_URL}/healthz`, { signal: AbortSignal.timeout(2_000) });
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * Starts the debug build as the main server is started (playwright.config.ts), on its own
 * port and data folder, without SYNCGATE_SMTP_URL or SYNCGATE_MAIL_FROM: mail goes to its
 * outbox folder until an admin sets a mail server on /admin/settings.
 */
async function startMailServer(): Promise<Server> {
  if (await answersHealthz()) {
    throw new Error(`something already answers on ${MAIL_BASE_URL} (a server left from an earlier run?)`);
  }
  const dataDir = path.join(END2END, '.tmp', 'data-mail');
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  // None of the runner's own SYNCGATE_* settings: a database URL, key file or mail server
  // inherited from the shell would tie this server to another one's.
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('SYNCGATE_')) env[name] = value;
  }
  Object.assign(env, {
    SYNCGATE_LISTEN: `127.0.0.1:${MAIL_SERVER_PORT}`,
    SYNCGATE_DATA_DIR: dataDir,
    SYNCGATE_SITE_ROOT: `${END2END}/../target/site`,
    SYNCGATE_ADMIN_PASSWORD: ADMIN_PASSWORD,
    SYNCGATE_LOG: 'info',
  });
  const child = spawn(path.join(END2END, '..', 'target', 'debug', 'server'), ['serve'], {
    cwd: END2END,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The last lines it printed, shown when it does not start or a test fails.
  const log: string[] = [];
  const keep = (chunk: Buffer) => {
    log.push(...chunk.toString('utf8').split('\n').filter((line) => line.trim() !== ''));
    log.splice(0, Math.max(0, log.length - 300));
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const ended = { why: '' };
  child.on('exit', (code, signal) => (ended.why = `it exited (${signal ?? `code ${code}`})`));
  child.on('error', (e) => (ended.why = `it could not be started: ${e.message}`));

  const deadline = Date.now() + 60_000;
  while (!(await answersHealthz())) {
    if (ended.why || Date.now() > deadline) {
      if (!ended.why && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      throw new Error(
        `the mail settings server did not start on ${MAIL_BASE_URL}: ${ended.why || 'no answer in 60 s'}\n${log.join('\n')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { child, log };
}

/** Stops the server by its PID: SIGTERM, then SIGKILL if it is still there after 10 s. */
async function stopMailServer(server: Server) {
  const { child } = server;
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const pid = child.pid;
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(pid, name);
    } catch {
      // It ended meanwhile.
    }
  };
  const gone = new Promise((resolve) => child.once('exit', resolve));
  signal('SIGTERM');
  const late = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) signal('SIGKILL');
  }, 10_000);
  await gone;
  clearTimeout(late);
}

/**
 * A second administrator, with an email address for the test email (the first admin has
 * none), made through the server functions as settings.spec.ts does, without 2FA.
 */
async function adminWithEmail(request: APIRequestContext) {
  const username = uniqueName('mailadm');
  const email = `${username}@example.it`;
  const password = 'mail-admin-password-1';
  const post = async (url: string, form: Record<string, string>) => {
    const r = await request.post(url, { form, ...json });
    expect(r.ok(), `${url}: ${await r.text()}`).toBeTruthy();
  };
  await post('/api/login', { username: 'admin', password: ADMIN_PASSWORD });
  // Making an administrator takes the admin's fresh proof.
  await post('/api/reauth', { reauth_password: ADMIN_PASSWORD });
  await post('/api/users/create', {
    username, email, first_name: 'Posta', last_name: 'Admin', password: `${password}-one-time`, is_admin: 'on',
  });
  await post('/api/login', { username, password: `${password}-one-time` });
  await post('/api/me/choose-password', { new_password: password, confirm_password: password });
  await post('/api/logout', {});
  return { username, email, password };
}

// ---- On the main server: SYNCGATE_SMTP_URL is set ----

test('mail delivery set by the environment is read-only', async ({ page }) => {
  await logIn(page, 'admin', ADMIN_PASSWORD);
  await page.goto('/admin/settings');
  await waitForHydration(page);
  const mail = mailSection(page);
  await expect(mail.getByRole('heading', { name: 'Mail delivery', level: 2 })).toBeVisible();
  await expect(mail.getByText(ENV_NOTE)).toBeVisible();

  // What SYNCGATE_SMTP_URL says, shown and not editable.
  const host = await field(mail, 'SMTP host', 'mail_host');
  await expect(host).toHaveValue('127.0.0.1');
  await expect(host).toBeDisabled();
  await expect(await field(mail, 'Port', 'mail_port')).toHaveValue(String(SMTP_PORT));
  const fields = mail.locator('input:not([type="hidden"]), select, textarea');
  await expect(fields.first()).toBeVisible();
  for (const f of await fields.all()) {
    await expect(f).toBeDisabled();
  }
  await expect(mail.getByRole('button', { name: 'Save mail settings' })).toHaveCount(0);
  // The test email still can be sent through it.
  await expect(mail.getByRole('button', { name: 'Send test email' })).toBeVisible();
});

test.describe('with an Italian browser', () => {
  test.use({ locale: 'it-IT' });

  test('the read-only mail section speaks Italian', async ({ page }) => {
    await page.goto('/login');
    await page.getByLabel('Nome Utente').fill('admin');
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Accedi' }).click();
    await expect(page).toHaveURL(/\/preferences$/);
    await page.goto('/admin/settings');
    await waitForHydration(page);
    const mail = mailSection(page, 'Consegna della posta');
    await expect(mail.getByRole('heading', { name: 'Consegna della posta', level: 2 })).toBeVisible();
    await expect(mail.getByText(ENV_NOTE_IT)).toBeVisible();
    await expect(mail.getByRole('button', { name: 'Invia email di prova' })).toBeVisible();
    await expect(mail.getByRole('button', { name: 'Salva le impostazioni della posta' })).toHaveCount(0);
  });
});

test('a non-admin cannot open the settings', async ({ page, request }) => {
  const username = uniqueName('nomail');
  await createUserViaApi(request, {
    username, email: `${username}@example.it`, first: 'Nora', last: 'Mail', password: 'nomail-password-1',
  });
  await logIn(page, username, 'nomail-password-1');
  await page.goto('/admin/settings');
  await expect(page.getByRole('heading', { name: 'Not allowed' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Mail delivery' })).toHaveCount(0);
  await expect(page.getByLabel('SMTP host')).toHaveCount(0);
});

// ---- Office 365 on a server without SYNCGATE_SMTP_URL ----

test.describe('Office 365 with OAuth2 on a server of its own', () => {
  // The second test reads what the first saved.
  test.describe.configure({ mode: 'serial', timeout: 60_000 });
  // Every page and request of these tests goes to the second server.
  test.use({ baseURL: MAIL_BASE_URL });

  let server: Server | undefined;
  let admin: { username: string; email: string; password: string };
  // Within 30 days: every admin page warns.
  const expires = daysFromToday(20);

  test.beforeAll(async ({ playwright }) => {
    test.setTimeout(90_000);
    server = await startMailServer();
    const api = await playwright.request.newContext({ baseURL: MAIL_BASE_URL });
    try {
      admin = await adminWithEmail(api);
    } finally {
      await api.dispose();
    }
  });

  test.afterEach(async ({}, testInfo) => {
    if (server && testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach('mail-server.log', { body: server.log.join('\n'), contentType: 'text/plain' });
    }
  });

  test.afterAll(async () => {
    if (server) await stopMailServer(server);
  });

  test('an admin sets up Office 365, the test email arrives, and admin pages warn of the expiry', async ({ page, request }) => {
    await logIn(page, admin.username, admin.password);
    await page.goto('/admin/settings');
    await waitForHydration(page);
    const mail = mailSection(page);
    await expect(mail.getByText(OUTBOX_NOTE)).toBeVisible();

    // The server and the sender.
    await (await field(mail, 'SMTP host', 'mail_host')).fill('127.0.0.1');
    const port = await field(mail, 'Port', 'mail_port');
    await expect(port).toHaveValue('587');
    await port.fill(String(OAUTH_SMTP_PORT));
    const security = await field(mail, 'Security', 'mail_security');
    await security.selectOption({ label: 'None (this machine only)' });
    await expect(security).toHaveValue('none');
    await (await field(mail, 'Sender address', 'mail_from_address')).fill('noreply@example.it');
    await (await field(mail, 'Sender name', 'mail_from_name')).fill('syncgate e2e');

    // The app registered in Azure: its fields appear with the choice.
    const signIn = await field(mail, 'Sign-in', 'mail_sign_in');
    await signIn.selectOption({ label: 'OAuth2 for Office 365' });
    await expect(signIn).toHaveValue('oauth2');
    // Mailbox left empty: the sender address signs in.
    await expect(await field(mail, 'Mailbox (empty: the sender address)', 'mail_username')).toHaveValue('');
    await (await field(mail, 'Tenant ID', 'mail_tenant_id')).fill(TENANT);
    await (await field(mail, 'Client ID', 'mail_client_id')).fill('e2e-client-id');
    await (await field(mail, 'Client secret', 'mail_client_secret')).fill('e2e-client-secret');
    const expiry = await field(mail, 'Client secret expires on', 'mail_secret_expires');
    await expect(expiry).toHaveAttribute('type', 'date');
    await expiry.fill(expires);
    // Microsoft's endpoint by default; here the sink's, on the same path.
    await (await field(mail, 'Token endpoint', 'mail_token_url')).fill(TOKEN_URL);

    // Saving redirects every security mail: the admin proves it is them first, then it saves.
    await mail.getByRole('button', { name: 'Save mail settings' }).click();
    await confirmItIsYou(page, admin.password);
    await expect(mail.getByText('Saved.', { exact: true })).toBeVisible();
    // The banner above the page learns the new expiry at once (20 days: within 30).
    const banner = page.getByText(new RegExp(`The Office 365 client secret for mail expires on ${expires}\\.`));
    await expect(banner).toHaveCount(1);
    await expect(banner).toContainText('(20 days left)');
    // The secret is kept, never shown again.
    const replace = await field(mail, 'Replace client secret', 'mail_client_secret');
    await expect(replace).toHaveValue('');
    await expect(mail.getByLabel('Client secret', { exact: true })).toHaveCount(0);

    // The test email: a token from the endpoint, AUTH XOAUTH2 with it, the message accepted.
    const tokensBefore = await tokenCounts(request);
    await mail.getByRole('button', { name: 'Send test email' }).click();
    await expect(mail.getByText(`The test email was sent to ${admin.email}.`)).toBeVisible();
    await expect(mail.getByText('Name resolved (127.0.0.1)')).toBeVisible();
    await expect(mail.getByText(/\bConnected\b/)).toBeVisible();
    await expect(mail.getByText('Token obtained from the token endpoint')).toBeVisible();
    await expect(mail.getByText(/\bSigned in\b/)).toBeVisible();
    await expect(mail.getByText(/Accepted by the mail server: 250\b/)).toBeVisible();
    expect((await tokenCounts(request)).issued).toBe(tokensBefore.issued + 1);

    // It reached the XOAUTH2 server, signed in as the sender's mailbox.
    let received: SinkMail[] = [];
    await expect
      .poll(async () => {
        received = (await sinkMails(request, admin.email)).filter((m) => m.subject === 'syncgate test email');
        return received.length;
      }, { message: `the test email to ${admin.email}` })
      .toBe(1);
    expect(received[0].via).toBe('oauth2');
    expect(received[0].user).toBe('noreply@example.it');

    // The secret expires in 20 days: every admin page says so.
    await page.goto('/admin/users');
    await expect(page.getByText(new RegExp(`The Office 365 client secret for mail expires on ${expires}\\.`))).toBeVisible();
  });

  test('a wrong client secret is explained, and nothing is sent', async ({ page, request }) => {
    await logIn(page, admin.username, admin.password);
    await page.goto('/admin/settings');
    await waitForHydration(page);
    const mail = mailSection(page);

    // What was saved comes back, but for the secret.
    await expect(await field(mail, 'Sign-in', 'mail_sign_in')).toHaveValue('oauth2');
    await expect(await field(mail, 'Tenant ID', 'mail_tenant_id')).toHaveValue(TENANT);
    await expect(await field(mail, 'Client secret expires on', 'mail_secret_expires')).toHaveValue(expires);
    await expect(await field(mail, 'Token endpoint', 'mail_token_url')).toHaveValue(TOKEN_URL);
    const replace = await field(mail, 'Replace client secret', 'mail_client_secret');
    await expect(replace).toHaveValue('');
    await replace.fill('wrong-secret');

    // A bad port is refused beside its field, and what was typed stays to be corrected.
    const port = await field(mail, 'Port', 'mail_port');
    await port.fill('70000');
    await mail.getByRole('button', { name: 'Save mail settings' }).click();
    await expect(mail.getByText('Enter a port from 1 to 65535 (587 for STARTTLS, 465 for TLS).')).toBeVisible();
    await expect(port).toHaveValue('70000');
    await expect(replace).toHaveValue('wrong-secret');
    await port.fill(String(OAUTH_SMTP_PORT));
    await saveMailSettings(page, mail, admin.password);

    const mailsBefore = (await sinkMails(request, admin.email)).length;
    const tokensBefore = await tokenCounts(request);
    await mail.getByRole('button', { name: 'Send test email' }).click();
    await expect(mail.getByText(`The test email was not sent to ${admin.email}.`)).toBeVisible();
    // What failed, what it means and Microsoft's code: enough to fix it in Azure.
    await expect(mail.getByText('The token endpoint refused the app.')).toBeVisible();
    await expect(
      mail.getByText("The client secret is wrong: paste the secret's Value (not its ID) from Azure, Certificates & secrets."),
    ).toBeVisible();
    await expect(mail.getByText('Code: AADSTS7000215')).toBeVisible();
    await expect(mail.getByText('Token obtained from the token endpoint')).toHaveCount(0);
    await expect(mail.getByText(/\bSigned in\b/)).toHaveCount(0);
    await expect(mail.getByText(`The test email was sent to ${admin.email}.`)).toHaveCount(0);

    // The endpoint was asked and granted nothing; no mail reached the sink.
    const tokensAfter = await tokenCounts(request);
    expect(tokensAfter.requests).toBeGreaterThan(tokensBefore.requests);
    expect(tokensAfter.issued).toBe(tokensBefore.issued);
    expect((await sinkMails(request, admin.email)).length).toBe(mailsBefore);
  });
});
