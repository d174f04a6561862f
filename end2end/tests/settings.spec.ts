import { test, expect, type APIRequestContext, type Page } from '@playwright/test';
import { ADMIN_PASSWORD, codeFromMail, uniqueName, waitForHydration } from './helpers';

const json = { headers: { Accept: 'application/json' } };

/**
 * A second administrator with an email address and 2FA by email, made through the server
 * functions (the first admin has no address). Returns their username; `request` stays signed
 * in as them, re-authenticated a moment ago, so it can undo "require for all" afterwards
 * without a code mail that would get in the way of the page's own.
 */
async function adminWithTwoFactor(request: APIRequestContext, password: string, language: string) {
  const username = uniqueName('adm');
  const email = `${username}@example.it`;
  const post = async (path: string, form: Record<string, string>) => {
    const r = await request.post(path, { form, ...json });
    expect(r.ok(), `${path}: ${await r.text()}`).toBeTruthy();
    return r;
  };
  await post('/api/login', { username: 'admin', password: ADMIN_PASSWORD });
  // Making an administrator takes the admin's fresh proof.
  await post('/api/reauth', { reauth_password: ADMIN_PASSWORD });
  await post('/api/users/create', {
    username, email, first_name: 'Ada', last_name: 'Min', password: `${password}-one-time`, is_admin: 'on',
  });
  await post('/api/login', { username, password: `${password}-one-time` });
  await post('/api/me/choose-password', { new_password: password, confirm_password: password });
  await post('/api/me/language', { language });
  await post('/api/reauth', { reauth_password: password });
  const since = Date.now();
  await post('/api/two-factor/enrol', { resend: 'false' });
  const needle = language === 'it' ? "per attivare l'autenticazione a 2 fattori" : 'to turn on two-factor authentication';
  const code = await codeFromMail(request, email, needle, since);
  await post('/api/two-factor/confirm', { code });
  return username;
}

/** "Require 2FA for all users" on or off, as the admin signed in on `request`. */
async function requireForAll(request: APIRequestContext, required: boolean) {
  return request.post('/api/settings/require-two-factor', { form: { required: String(required) }, ...json });
}

type Words = {
  signInCode: string; reauthNeedle: string; loginNeedle: string; switchLabel: string;
  dialog: string; password: string; code: string; verify: string;
};
const en: Words = {
  signInCode: 'Enter the security code you received by email',
  reauthNeedle: 'to confirm it is you',
  loginNeedle: 'to sign in',
  switchLabel: 'Require two-factor authentication for all users',
  dialog: 'Two-factor authentication',
  password: 'Enter your password',
  code: 'Enter the security code you received by email',
  verify: 'Verify',
};
const it: Words = {
  signInCode: 'Inserisci il codice di sicurezza ricevuto via email',
  reauthNeedle: 'per confermare la tua identità',
  loginNeedle: 'per accedere',
  switchLabel: "Richiedi l'autenticazione a 2 fattori per tutti gli utenti",
  dialog: 'Autenticazione a 2 fattori',
  password: 'Inserisci la tua password',
  code: 'Inserisci il codice di sicurezza ricevuto via email',
  verify: 'Verifica',
};

async function liftWithTheDialog(page: Page, request: APIRequestContext, language: 'en' | 'it') {
  const w = language === 'it' ? it : en;
  const password = `adm-${language}-password-1`;
  const username = await adminWithTwoFactor(request, password, language);
  const email = `${username}@example.it`;
  const on = await requireForAll(request, true);
  expect(on.ok(), await on.text()).toBeTruthy();

  // A fresh sign-in: no re-authentication in this session yet.
  let since = Date.now();
  await page.goto('/login');
  await page.getByLabel(language === 'it' ? 'Nome Utente' : 'Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: language === 'it' ? 'Accedi' : 'Sign in' }).click();
  const loginCode = await codeFromMail(request, email, w.loginNeedle, since);
  await page.getByLabel(w.signInCode).fill(loginCode);
  await page.getByRole('button', { name: w.verify }).click();
  await expect(page).toHaveURL(/\/preferences$/);

  await page.goto('/admin/settings');
  await waitForHydration(page);
  const box = page.getByLabel(w.switchLabel);
  await expect(box).toBeChecked();
  since = Date.now();
  // A click, not `uncheck()`: the switch is put back to what the server holds until the
  // re-authentication goes through, so its state right after the click is not the new one.
  await box.click();
  const dialog = page.getByRole('dialog', { name: w.dialog });
  await dialog.getByLabel(w.password).fill(password);
  const code = await codeFromMail(request, email, w.reauthNeedle, since);
  await dialog.getByLabel(w.code).fill(code);
  await dialog.getByRole('button', { name: w.verify }).click();
  await expect(dialog).toBeHidden();
  await expect(box).not.toBeChecked();
  await expect(page.getByRole('table')).toContainText(
    language === 'it' ? 'non più richiesta per tutti gli utenti' : 'no longer required for all users',
  );

  await page.reload();
  await waitForHydration(page);
  await expect(page.getByLabel(w.switchLabel)).not.toBeChecked();
}

// Whatever happened in a test, the organisation goes back to not requiring 2FA of everyone, or
// every later test would be sent to enrolment. The first admin could not do it (without 2FA,
// "require for all" sends them to enrolment too); the second admin's API session can, with
// the proof it gave a moment ago. A hook, not a `finally`: it also runs after a timeout.
test.afterEach(async ({ request }) => {
  const off = await requireForAll(request, false);
  const answer = await off.text();
  await request.post('/api/logout', json);
  expect(off.ok(), answer).toBeTruthy();
});

// Issue 27: the refusal "re-authenticate first" opens the dialog where the action started.
test('an admin with 2FA lifts "require for all" through the re-authentication dialog', async ({ page, request }) => {
  await liftWithTheDialog(page, request, 'en');
});

test.describe('in Italian', () => {
  test.use({ locale: 'it-IT' });
  test('the same on /admin/settings', async ({ page, request }) => {
    await liftWithTheDialog(page, request, 'it');
  });
});
