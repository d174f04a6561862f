import { test, expect, type APIRequestContext, type Page } from '@playwright/test';
import {
  ADMIN_PASSWORD, codeFromMail, createUserViaApi, docShot, logIn, uniqueName, waitForHydration, waitForMail,
} from './helpers';

async function passwordStep(page: Page, username: string, password: string) {
  await page.goto('/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('a user turns on 2FA by email, logs out, and logs in with the emailed code', async ({ page, request }) => {
  const username = uniqueName('tfa');
  const email = `${username}@example.it`;
  await createUserViaApi(request, { username, email, first: 'Tea', last: 'Fa', password: 'tfa-password-1' });
  await logIn(page, username, 'tfa-password-1');
  await waitForHydration(page);

  const method = page.getByRole('combobox', { name: 'Two-factor authentication' });
  await expect(method).toHaveValue('off');
  const since = Date.now();
  await method.selectOption({ label: 'With email' });

  // Turning 2FA on asks for a fresh re-authentication first (password only: 2FA is off).
  const dialog = page.getByRole('dialog', { name: 'You need to authenticate to continue' });
  await expect(dialog.getByLabel('Enter your password')).toBeFocused();
  await dialog.getByLabel('Enter your password').fill('tfa-password-1');
  await dialog.getByRole('button', { name: 'Verify' }).click();
  await expect(dialog).toBeHidden();

  await expect(page.getByText(/We sent a 6-digit code to t\*\*\*@example\.it/)).toBeVisible();
  const code = await codeFromMail(request, email, 'to turn on two-factor authentication', since);
  const block = page.locator('#two-factor');
  await block.getByLabel('Enter the security code you received by email').fill(code);
  await block.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByText(`On: codes are sent to t***@example.it.`)).toBeVisible();
  await expect(method).toHaveValue('email');
  await waitForMail(request, email, 'Two-factor authentication has been turned on', since);

  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  const loginSince = Date.now();
  await passwordStep(page, username, 'tfa-password-1');
  await expect(page.getByRole('heading', { name: 'Two-factor authentication' })).toBeVisible();
  await expect(page).toHaveURL(/\/login/);
  const loginCode = await codeFromMail(request, email, 'to sign in', loginSince);
  const loginCodeInput = page.getByLabel('Enter the security code you received by email');
  // Every code field opens the digits keypad and offers the code from the mail.
  await expect(loginCodeInput).toHaveAttribute('inputmode', 'numeric');
  await expect(loginCodeInput).toHaveAttribute('autocomplete', 'one-time-code');
  await loginCodeInput.fill(loginCode);
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page).toHaveURL(/\/preferences$/);
  await expect(page.getByRole('heading', { name: 'Preferences' })).toBeVisible();
});

test('an admin requires 2FA for a user, who is taken to enrolment at login and can use nothing else', async ({ page, request }) => {
  const username = uniqueName('req');
  const email = `${username}@example.it`;
  const id = await createUserViaApi(request, { username, email, first: 'Rita', last: 'Req', password: 'req-password-1' });

  await logIn(page, 'admin', ADMIN_PASSWORD);
  await page.goto(`/admin/users/${id}`);
  await waitForHydration(page);
  await page.getByLabel('Require two-factor authentication').check();
  await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
  const trail = page.getByRole('table');
  await expect(trail.getByRole('row').nth(1)).toContainText('Two-factor authentication required');
  await expect(trail.getByRole('row').nth(1)).toContainText('admin');
  await expect(trail.getByRole('row').nth(1)).toContainText('127.0.0.1');
  await docShot(page, 'user-audit');
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);

  await passwordStep(page, username, 'req-password-1');
  await expect(page).toHaveURL(/\/two-factor\/setup$/);
  await expect(page.getByRole('heading', { name: 'Set up two-factor authentication' })).toBeVisible();
  await page.goto('/preferences');
  await expect(page).toHaveURL(/\/two-factor\/setup$/);
  await waitForHydration(page);

  // The password step a moment ago is the re-authentication: no dialog.
  const since = Date.now();
  await page.getByRole('combobox', { name: 'Two-factor authentication' }).selectOption({ label: 'With email' });
  const code = await codeFromMail(request, email, 'to turn on two-factor authentication', since);
  await page.getByLabel('Enter the security code you received by email').fill(code);
  await page.getByRole('button', { name: 'Verify' }).click();
  // The recovery codes are shown once, before the rest of the console opens.
  const codes = page.getByRole('region', { name: 'Recovery codes' });
  await expect(codes.getByRole('listitem')).toHaveCount(10);
  await codes.getByRole('button', { name: 'I have saved them' }).click();
  await expect(page).toHaveURL(/\/preferences$/);
  await expect(page.getByText('Your administrator requires two-factor authentication.')).toBeVisible();
  // Required: it cannot be turned off (a switch to the app stays open).
  await expect(page.getByRole('option', { name: 'Off' })).toBeDisabled();
});

test('the re-authentication dialog asks for the emailed code, in Italian', async ({ page, request }) => {
  const username = uniqueName('ita');
  const email = `${username}@example.it`;
  await createUserViaApi(request, { username, email, first: 'Ilaria', last: 'Tosi', password: 'ita-password-1' });
  // Italian, and 2FA on, set up through the server functions as the user.
  const json = { headers: { Accept: 'application/json' } };
  await request.post('/api/logout', json);
  expect((await request.post('/api/login', { form: { username, password: 'ita-password-1' }, ...json })).ok()).toBeTruthy();
  expect((await request.post('/api/me/language', { form: { language: 'it' }, ...json })).ok()).toBeTruthy();
  expect((await request.post('/api/reauth', { form: { reauth_password: 'ita-password-1' }, ...json })).ok()).toBeTruthy();
  let since = Date.now();
  expect((await request.post('/api/two-factor/enrol', { form: { resend: 'false' }, ...json })).ok()).toBeTruthy();
  const enrolCode = await codeFromMail(request, email, "per attivare l'autenticazione a 2 fattori", since);
  expect((await request.post('/api/two-factor/confirm', { form: { code: enrolCode }, ...json })).ok()).toBeTruthy();

  since = Date.now();
  await passwordStep(page, username, 'ita-password-1');
  const loginCode = await codeFromMail(request, email, 'per accedere', since);
  await page.getByLabel('Inserisci il codice di sicurezza ricevuto via email').fill(loginCode);
  await page.getByRole('button', { name: 'Verifica' }).click();
  await expect(page).toHaveURL(/\/preferences$/);
  await waitForHydration(page);

  const form = page.getByRole('form', { name: 'Cambia Password' });
  await form.getByLabel('Nuova Password').fill('ita-password-2');
  await form.getByLabel('Conferma Password').fill('ita-password-2');
  since = Date.now();
  await form.getByRole('button', { name: 'Salva' }).click();

  const dialog = page.getByRole('dialog', { name: 'Autenticazione a 2 fattori' });
  await expect(dialog).toContainText("E' necessario autenticarsi per procedere");
  await dialog.getByLabel('Inserisci la tua password').fill('ita-password-1');
  const code = await codeFromMail(request, email, 'per confermare la tua identità', since);
  await dialog.getByLabel('Inserisci il codice di sicurezza ricevuto via email').fill(code);
  await docShot(page, 'reauth');
  await dialog.getByRole('button', { name: 'Verifica' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('status').filter({ hasText: 'La password è stata cambiata.' })).toBeVisible();
});

/** Signs `username` in with the password and the emailed code, as a person does. */
async function logInWithCode(page: Page, request: APIRequestContext, username: string, password: string) {
  const since = Date.now();
  await passwordStep(page, username, password);
  const code = await codeFromMail(request, `${username}@example.it`, 'to sign in', since);
  await page.getByLabel('Enter the security code you received by email').fill(code);
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page).toHaveURL(/\/preferences$/);
  await waitForHydration(page);
}

/** Sets 2FA to Off and answers the re-authentication dialog (password, then emailed code). */
async function turnOffWithDialog(page: Page, request: APIRequestContext, email: string, password: string) {
  const since = Date.now();
  await page.getByRole('combobox', { name: 'Two-factor authentication' }).selectOption({ label: 'Off' });
  const dialog = page.getByRole('dialog', { name: 'Two-factor authentication' });
  await dialog.getByLabel('Enter your password').fill(password);
  const code = await codeFromMail(request, email, 'to confirm it is you', since);
  await dialog.getByLabel('Enter the security code you received by email').fill(code);
  await dialog.getByRole('button', { name: 'Verify' }).click();
  await expect(dialog).toBeHidden();
}

// Issue 25, the five steps of the report.
test('turning 2FA off keeps the session that did it signed in', async ({ page, request }) => {
  const username = uniqueName('off');
  const email = `${username}@example.it`;
  await createUserViaApi(request, { username, email, first: 'Otto', last: 'Off', password: 'off-password-1' });
  await logIn(page, username, 'off-password-1');
  await waitForHydration(page);
  const method = page.getByRole('combobox', { name: 'Two-factor authentication' });
  let since = Date.now();
  await method.selectOption({ label: 'With email' });
  const dialog = page.getByRole('dialog', { name: 'You need to authenticate to continue' });
  await dialog.getByLabel('Enter your password').fill('off-password-1');
  await dialog.getByRole('button', { name: 'Verify' }).click();
  await expect(dialog).toBeHidden();
  const code = await codeFromMail(request, email, 'to turn on two-factor authentication', since);
  await page.locator('#two-factor').getByLabel('Enter the security code you received by email').fill(code);
  await page.locator('#two-factor').getByRole('button', { name: 'Verify' }).click();
  await expect(method).toHaveValue('email');

  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await logInWithCode(page, request, username, 'off-password-1');

  await turnOffWithDialog(page, request, email, 'off-password-1');
  await waitForMail(request, email, 'Two-factor authentication has been turned off');
  await page.reload();
  await expect(page).toHaveURL(/\/preferences$/);
  await expect(page.getByRole('heading', { name: 'Preferences' })).toBeVisible();
  await waitForHydration(page);
  await expect(page.getByRole('combobox', { name: 'Two-factor authentication' })).toHaveValue('off');
});

// Issue 25, the second suspect: a reload the moment the dialog closes drops the request.
test('a reload right after the dialog closes leaves the user signed in', async ({ page, request }) => {
  const username = uniqueName('rld');
  const email = `${username}@example.it`;
  await createUserViaApi(request, { username, email, first: 'Rino', last: 'Reload', password: 'rld-password-1' });
  // 2FA on through the server functions, as the user.
  const json = { headers: { Accept: 'application/json' } };
  await request.post('/api/logout', json);
  expect((await request.post('/api/login', { form: { username, password: 'rld-password-1' }, ...json })).ok()).toBeTruthy();
  expect((await request.post('/api/reauth', { form: { reauth_password: 'rld-password-1' }, ...json })).ok()).toBeTruthy();
  const since = Date.now();
  expect((await request.post('/api/two-factor/enrol', { form: { resend: 'false' }, ...json })).ok()).toBeTruthy();
  const enrolCode = await codeFromMail(request, email, 'to turn on two-factor authentication', since);
  expect((await request.post('/api/two-factor/confirm', { form: { code: enrolCode }, ...json })).ok()).toBeTruthy();

  await logInWithCode(page, request, username, 'rld-password-1');
  await turnOffWithDialog(page, request, email, 'rld-password-1');
  await page.reload();
  await expect(page).toHaveURL(/\/preferences$/);
  await expect(page.getByRole('heading', { name: 'Preferences' })).toBeVisible();
  await page.reload();
  await expect(page).toHaveURL(/\/preferences$/);
});
