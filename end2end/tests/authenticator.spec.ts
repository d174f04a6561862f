import { test, expect, type Page } from '@playwright/test';
import * as OTPAuth from 'otpauth';
import {
  ADMIN_PASSWORD, codeFromMail, confirmItIsYou, createUserViaApi, docShot, logIn, uniqueName, waitForHydration,
  waitForMail,
} from './helpers';

/**
 * The user's authenticator app, as a test: it reads the key from the page and computes codes
 * with a TOTP library. A step is accepted once per user, so each code is of a step after the
 * last one used (one step ahead is within the drift the server allows, else it waits).
 */
class App {
  private last = -1;
  constructor(private secret: string) {}

  async code(page: Page): Promise<string> {
    const now = Math.floor(Date.now() / 30000);
    let step = Math.max(now, this.last + 1);
    if (step > now + 1) {
      await page.waitForTimeout((step - 1) * 30000 - Date.now() + 200);
      step = Math.max(Math.floor(Date.now() / 30000), this.last + 1);
    }
    this.last = step;
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(this.secret), digits: 6, period: 30, algorithm: 'SHA1' });
    return totp.generate({ timestamp: step * 30000 });
  }
}

async function logOut(page: Page) {
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
}

async function passwordStep(page: Page, username: string, password: string) {
  await page.goto('/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** On /preferences: turns the app on (after `reauth`), returns the app and the recovery codes. */
async function setUpApp(page: Page, reauth: (dialog: ReturnType<Page['getByRole']>) => Promise<void>) {
  const method = page.getByRole('combobox', { name: 'Two-factor authentication' });
  await method.selectOption({ label: 'With an app' });
  const dialog = page.getByRole('dialog', { name: 'You need to authenticate to continue' });
  await reauth(dialog);
  await expect(dialog).toBeHidden();

  const block = page.locator('#two-factor');
  const qr = block.getByRole('img', { name: 'QR code for your authenticator app' });
  await expect(qr).toBeVisible();
  expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml;base64,/);
  const key = (await block.getByLabel('Key').inputValue()).replace(/ /g, '');
  expect(key).toMatch(/^[A-Z2-7]{32}$/);
  // The QR code's address (also a link that opens the app on a phone) carries the same key.
  const uri = await block.getByRole('link', { name: 'Open in the authenticator app on this phone' }).getAttribute('href');
  const parsed = OTPAuth.URI.parse(uri!) as OTPAuth.TOTP;
  expect(parsed.secret.base32).toBe(key);
  expect(parsed.issuer).toBe('syncgate');
  await docShot(page, 'authenticator-app');

  const app = new App(key);
  await block.getByLabel('Enter the code from your authenticator app').fill(await app.code(page));
  await block.getByRole('button', { name: 'Verify' }).click();
  const region = page.getByRole('region', { name: 'Recovery codes' });
  await expect(region.getByRole('listitem')).toHaveCount(10);
  const codes = (await region.getByRole('listitem').allInnerTexts()).map((c) => c.trim());
  for (const c of codes) expect(c).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
  const download = region.getByRole('link', { name: 'Download' });
  await expect(download).toHaveAttribute('download', 'syncgate-recovery-codes.txt');
  expect(decodeURIComponent((await download.getAttribute('href'))!.split(',')[1])).toContain(codes[3]);
  await expect(region.getByRole('button', { name: 'Print' })).toBeVisible();
  await expect(region.getByRole('button', { name: 'Copy' })).toBeVisible();
  await region.getByRole('button', { name: 'I have saved them' }).click();
  await expect(region).toBeHidden();
  await expect(page.getByText('On: codes come from your authenticator app.')).toBeVisible();
  await expect(page.getByText('Recovery codes left: 10')).toBeVisible();
  return { app, codes };
}

test('a user sets up an authenticator app, signs in with its code, and once with a recovery code', async ({ page, request }) => {
  const username = uniqueName('app');
  const email = `${username}@example.it`;
  await createUserViaApi(request, { username, email, first: 'Alba', last: 'App', password: 'app-password-1' });
  await logIn(page, username, 'app-password-1');
  await waitForHydration(page);
  const since = Date.now();
  const { app, codes } = await setUpApp(page, async (dialog) => {
    await dialog.getByLabel('Enter your password').fill('app-password-1');
    await dialog.getByRole('button', { name: 'Verify' }).click();
  });
  await waitForMail(request, email, 'Two-factor authentication has been turned on', since);

  // Sign in with the app's code: nothing is mailed, the page asks for the app's code.
  await logOut(page);
  await passwordStep(page, username, 'app-password-1');
  const appCode = page.getByLabel('Enter the code from your authenticator app');
  await expect(appCode).toHaveAttribute('autocomplete', 'one-time-code');
  await appCode.fill(await app.code(page));
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page).toHaveURL(/\/preferences$/);

  // A recovery code instead: works once, and a security notice is mailed.
  await logOut(page);
  await passwordStep(page, username, 'app-password-1');
  await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
  const usedAt = Date.now();
  await page.getByLabel('Recovery code').fill(codes[0]);
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page).toHaveURL(/\/preferences$/);
  await waitForMail(request, email, 'A recovery code was used', usedAt);
  await waitForHydration(page);
  await expect(page.getByText('Recovery codes left: 9')).toBeVisible();

  await logOut(page);
  await passwordStep(page, username, 'app-password-1');
  await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
  await page.getByLabel('Recovery code').fill(codes[0]);
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByText('This recovery code is not valid or has already been used.')).toBeVisible();
  await expect(page).toHaveURL(/\/login/);
});

test('re-authenticating with the app, switching to email and back', async ({ page, request }) => {
  const username = uniqueName('swi');
  const email = `${username}@example.it`;
  await createUserViaApi(request, { username, email, first: 'Silvio', last: 'Switch', password: 'swi-password-1' });
  await logIn(page, username, 'swi-password-1');
  await waitForHydration(page);
  let { app } = await setUpApp(page, async (dialog) => {
    await dialog.getByLabel('Enter your password').fill('swi-password-1');
    await dialog.getByRole('button', { name: 'Verify' }).click();
  });

  // To email: re-authenticate with the current method (the app), then prove the address.
  const method = page.getByRole('combobox', { name: 'Two-factor authentication' });
  await method.selectOption({ label: 'With email' });
  const dialog = page.getByRole('dialog', { name: 'Two-factor authentication' });
  await expect(dialog.getByRole('button', { name: 'Use a recovery code instead' })).toBeVisible();
  await dialog.getByLabel('Enter your password').fill('swi-password-1');
  await dialog.getByLabel('Enter the code from your authenticator app').fill(await app.code(page));
  const since = Date.now();
  await dialog.getByRole('button', { name: 'Verify' }).click();
  await expect(dialog).toBeHidden();
  const code = await codeFromMail(request, email, 'to turn on two-factor authentication', since);
  const block = page.locator('#two-factor');
  await block.getByLabel('Enter the security code you received by email').fill(code);
  await block.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByText('On: codes are sent to s***@example.it.')).toBeVisible();
  // A switch keeps the recovery codes: none shown.
  await expect(page.getByRole('region', { name: 'Recovery codes' })).toHaveCount(0);
  await expect(page.getByText('Recovery codes left: 10')).toBeVisible();
  await waitForMail(request, email, 'The second factor of your syncgate account has been switched', since);

  // And back to the app: the emailed code proves it is them, a code from the new app the app.
  await page.reload();
  await waitForHydration(page);
  const back = Date.now();
  ({ app } = await setUpAppAgain(page, async (d) => {
    await d.getByLabel('Enter your password').fill('swi-password-1');
    const reauthCode = await codeFromMail(request, email, 'to confirm it is you', back);
    await d.getByLabel('Enter the security code you received by email').fill(reauthCode);
    await d.getByRole('button', { name: 'Verify' }).click();
  }));
  await expect(page.getByText('On: codes come from your authenticator app.')).toBeVisible();
});

/** As `setUpApp`, for a switch (the recovery codes are kept, so none are shown). */
async function setUpAppAgain(page: Page, reauth: (dialog: ReturnType<Page['getByRole']>) => Promise<void>) {
  await page.getByRole('combobox', { name: 'Two-factor authentication' }).selectOption({ label: 'With an app' });
  const dialog = page.getByRole('dialog', { name: 'Two-factor authentication' });
  await reauth(dialog);
  await expect(dialog).toBeHidden();
  const block = page.locator('#two-factor');
  const key = (await block.getByLabel('Key').inputValue()).replace(/ /g, '');
  const app = new App(key);
  await block.getByLabel('Enter the code from your authenticator app').fill(await app.code(page));
  await block.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('region', { name: 'Recovery codes' })).toHaveCount(0);
  return { app };
}

test('turning the app on with ActiveSync enabled asks for the dedicated password first', async ({ page, request }) => {
  const username = uniqueName('aas');
  const email = `${username}@example.it`;
  const id = await createUserViaApi(request, { username, email, first: 'Aldo', last: 'Sync', password: 'aas-password-1' });
  const r = await request.post('/api/users/activesync', {
    form: { id: String(id), enabled: 'true' }, headers: { Accept: 'application/json' },
  });
  expect(r.ok(), await r.text()).toBeTruthy();

  await logIn(page, username, 'aas-password-1');
  await waitForHydration(page);
  await page.getByRole('combobox', { name: 'Two-factor authentication' }).selectOption({ label: 'With an app' });
  const notice = page.getByRole('dialog', { name: 'Two-factor authentication' });
  await expect(notice).toHaveText(/Turning on two-factor verification requires a dedicated ActiveSync password\./);
  await notice.getByRole('button', { name: 'OK' }).click();
  const dialog = page.getByRole('dialog', { name: 'Change ActiveSync password' });
  await dialog.getByLabel('New password').fill('phone-secret-app');
  await dialog.getByLabel('Confirm password').fill('phone-secret-app');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await confirmItIsYou(page, 'aas-password-1');
  await expect(dialog).toBeHidden();
  // Nothing is on until the app's code is typed.
  await expect(page.locator('#sync-status')).toContainText('Your devices sign in with the login password.');
  const block = page.locator('#two-factor');
  const app = new App((await block.getByLabel('Key').inputValue()).replace(/ /g, ''));
  await block.getByLabel('Enter the code from your authenticator app').fill(await app.code(page));
  await block.getByRole('button', { name: 'Verify' }).click();
  await page.getByRole('region', { name: 'Recovery codes' }).getByRole('button', { name: 'I have saved them' }).click();
  await expect(page.locator('#sync-status')).toContainText('Devices must use the ActiveSync password (set on');
});

test('making new recovery codes voids the old set', async ({ page, request }) => {
  const username = uniqueName('rec');
  const email = `${username}@example.it`;
  await createUserViaApi(request, { username, email, first: 'Rea', last: 'Codes', password: 'rec-password-1' });
  await logIn(page, username, 'rec-password-1');
  await waitForHydration(page);
  const { app, codes } = await setUpApp(page, async (dialog) => {
    await dialog.getByLabel('Enter your password').fill('rec-password-1');
    await dialog.getByRole('button', { name: 'Verify' }).click();
  });
  // Past the five minutes of the first re-authentication.
  await logOut(page);
  await passwordStep(page, username, 'rec-password-1');
  await page.getByLabel('Enter the code from your authenticator app').fill(await app.code(page));
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page).toHaveURL(/\/preferences$/);
  await waitForHydration(page);

  const since = Date.now();
  await page.getByRole('button', { name: 'Make new codes' }).click();
  const dialog = page.getByRole('dialog', { name: 'Two-factor authentication' });
  await dialog.getByLabel('Enter your password').fill('rec-password-1');
  await dialog.getByRole('button', { name: 'Use a recovery code instead' }).click();
  await dialog.getByLabel('Recovery code').fill(codes[5]);
  await dialog.getByRole('button', { name: 'Verify' }).click();
  await expect(dialog).toBeHidden();
  const region = page.getByRole('region', { name: 'Recovery codes' });
  await expect(region.getByRole('listitem')).toHaveCount(10);
  const fresh = (await region.getByRole('listitem').allInnerTexts()).map((c) => c.trim());
  expect(fresh).not.toContain(codes[1]);
  await region.getByRole('button', { name: 'I have saved them' }).click();
  await waitForMail(request, email, 'A new set of recovery codes', since);

  await logOut(page);
  await passwordStep(page, username, 'rec-password-1');
  await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
  await page.getByLabel('Recovery code').fill(codes[1]);
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByText('This recovery code is not valid or has already been used.')).toBeVisible();
  await page.getByLabel('Recovery code').fill(fresh[1]);
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page).toHaveURL(/\/preferences$/);
});

test('an admin allows only the authenticator app', async ({ page }) => {
  await logIn(page, 'admin', ADMIN_PASSWORD);
  await page.goto('/admin/settings');
  await waitForHydration(page);
  const policy = page.getByRole('combobox', { name: 'Two-factor method' });
  await expect(policy).toHaveValue('any');
  await policy.selectOption({ label: 'Authenticator app only' });
  await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
  await expect(page.getByRole('table').getByRole('row').nth(1)).toContainText('Only the authenticator app allowed');
  // Back to any method: it weakens accounts, so the admin confirms it is them.
  await policy.selectOption({ label: 'Any (email or app)' });
  await confirmItIsYou(page, ADMIN_PASSWORD);
  await expect(page.getByRole('table').getByRole('row').nth(1)).toContainText('Any two-factor method allowed');
  await page.reload();
  await expect(page.getByRole('combobox', { name: 'Two-factor method' })).toHaveValue('any');
});
