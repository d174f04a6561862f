import { test, expect } from '@playwright/test';
import { ADMIN_PASSWORD, codeFromMail, confirmItIsYou, createUserViaApi, logIn, uniqueName, markDocument, expectSameDocument, waitForHydration, waitForMail } from './helpers';

test('a standard user sees their own data and cannot open the admin pages', async ({ page, request }) => {
  // The pages hydrate under their Content-Security-Policy: nothing the browser blocks.
  const blocked: string[] = [];
  page.on('console', (m) => { if (/Content.Security.Policy/i.test(m.text())) blocked.push(m.text()); });
  const username = uniqueName('anna');
  await createUserViaApi(request, {
    username, email: `${username}@example.it`, first: 'Anna', last: 'Bianchi', password: 'anna-password-1',
  });

  await logIn(page, username, 'anna-password-1');
  const block = page.getByRole('region', { name: 'Role and login' });
  await expect(block).toContainText(username);
  await expect(block).toContainText(`${username}@example.it`);
  await expect(block).toContainText('Anna');
  await expect(block).toContainText('Bianchi');
  await expect(block).toContainText('Standard user');
  await expect(page.getByRole('link', { name: 'Users' })).toHaveCount(0);

  await page.goto('/admin/users');
  await expect(page.getByRole('heading', { name: 'Not allowed' })).toBeVisible();
  await expect(page.getByRole('table')).toHaveCount(0);
  await waitForHydration(page);
  expect(blocked).toEqual([]);
});

test('a wrong password shows one message and keeps the user on the login page', async ({ page }) => {
  await page.goto('/login');
  await waitForHydration(page);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Wrong username or password.');
  await expect(page).toHaveURL(/\/login$/);
});

test('a protected page sends to login and back after it', async ({ page, request }) => {
  const username = uniqueName('back');
  await createUserViaApi(request, {
    username, email: `${username}@example.it`, first: '', last: '', password: 'back-password-1',
  });
  await page.goto('/preferences');
  await expect(page).toHaveURL(/\/login\?next=\/preferences$/);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill('back-password-1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/preferences$/);
});

test('the user changes their password and logs out; the old password no longer works', async ({ page, request }) => {
  const username = uniqueName('pw');
  await createUserViaApi(request, {
    username, email: `${username}@example.it`, first: '', last: '', password: 'first-password-1',
  });
  await logIn(page, username, 'first-password-1');
  await waitForHydration(page);
  const form = page.getByRole('form', { name: 'Change password' });
  await form.getByLabel('New password').fill('second-password-2');
  await form.getByLabel('Confirm password').fill('second-password-3');
  await form.getByRole('button', { name: 'Save' }).click();

  // Saving first asks to re-authenticate (a login is not one)...
  const dialog = page.getByRole('dialog', { name: 'You need to authenticate to continue' });
  await expect(dialog).toContainText('You need to authenticate to continue');
  await dialog.getByLabel('Enter your password').fill('wrong-password-9');
  await dialog.getByRole('button', { name: 'Verify' }).click();
  await expect(dialog.getByRole('alert')).toHaveText('The current password is wrong.');
  await dialog.getByLabel('Enter your password').fill('first-password-1');
  await dialog.getByRole('button', { name: 'Verify' }).click();
  await expect(dialog).toBeHidden();
  // ...then the form is sent again by itself, and its own mistake shows beside the field.
  await expect(form.getByRole('alert')).toHaveText('The passwords do not match.');

  await form.getByLabel('Confirm password').fill('second-password-2');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Your password has been changed.' })).toBeVisible();

  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/preferences');
  await expect(page).toHaveURL(/\/login/);

  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill('first-password-1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Wrong username or password.');
  await logIn(page, username, 'second-password-2');
});

test('choosing Italian switches the page without reloading it', async ({ page, request }) => {
  const username = uniqueName('lang');
  await createUserViaApi(request, {
    username, email: `${username}@example.it`, first: '', last: '', password: 'lang-password-1',
  });
  await logIn(page, username, 'lang-password-1');
  await waitForHydration(page);
  await markDocument(page);
  await page.getByRole('combobox', { name: 'Language' }).selectOption('it');
  await expect(page.getByRole('region', { name: 'Ruolo e Login Utente' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Preferenze', level: 1 })).toBeVisible();
  await expectSameDocument(page);
  // It is remembered on the server.
  await page.reload();
  await expect(page.getByRole('region', { name: 'Ruolo e Login Utente' })).toBeVisible();
});

test.describe('with an Italian browser', () => {
  test.use({ locale: 'it-IT' });

  test('every text is Italian from the login page on', async ({ page, request }) => {
    const username = uniqueName('it');
    await createUserViaApi(request, {
      username, email: `${username}@example.it`, first: 'Giulia', last: 'Verdi', password: 'giulia-password-1',
    });
    await page.goto('/login');
    await expect(page.getByRole('heading', { name: 'Accedi' })).toBeVisible();
    await page.getByLabel('Nome Utente').fill(username);
    await page.getByLabel('Password').fill('giulia-password-1');
    await page.getByRole('button', { name: 'Accedi' }).click();
    await expect(page).toHaveURL(/\/preferences$/);
    const block = page.getByRole('region', { name: 'Ruolo e Login Utente' });
    await expect(block).toBeVisible();
    await expect(block).toContainText('Autenticazione a 2 fattori');
    await expect(block).toContainText('Cognome');
    await expect(page.getByRole('form', { name: 'Cambia Password' })).toBeVisible();
  });
});

test('an unknown address shows the not-found page', async ({ page }) => {
  const response = await page.goto('/this/does/not/exist');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
});

test('a user given a one-time password must choose their own before anything else', async ({ page, request }) => {
  const username = uniqueName('once');
  const json = { headers: { Accept: 'application/json' } };
  expect((await request.post('/api/login', { form: { username: 'admin', password: ADMIN_PASSWORD }, ...json })).ok()).toBeTruthy();
  const created = await request.post('/api/users/create', {
    form: { username, email: `${username}@example.it`, first_name: '', last_name: '', password: 'one-time-pass-1' }, ...json,
  });
  expect(created.ok(), await created.text()).toBeTruthy();

  await page.goto('/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill('one-time-pass-1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/password\/choose$/);
  await expect(page.getByRole('heading', { name: 'Choose your password' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Preferences' })).toHaveCount(0);
  await page.goto('/preferences');
  await expect(page).toHaveURL(/\/password\/choose$/);
  await waitForHydration(page);

  const form = page.getByRole('form', { name: 'Choose your password' });
  await form.getByLabel('New password').fill('one-time-pass-1');
  await form.getByLabel('Confirm password').fill('one-time-pass-1');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(form.getByRole('alert')).toHaveText('The new password must differ from the current one.');
  await form.getByLabel('New password').fill('my-own-password-1');
  await form.getByLabel('Confirm password').fill('my-own-password-1');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(page).toHaveURL(/\/preferences$/);
  await expect(page.getByRole('region', { name: 'Role and login' })).toContainText(username);
});

test('a new email address takes effect only with the code sent to it; the old address is told', async ({ page, request }) => {
  const username = uniqueName('mail');
  const old = `${username}@example.it`;
  const fresh = `${username}.new@example.it`;
  await createUserViaApi(request, { username, email: old, first: '', last: '', password: 'mail-password-1' });
  await logIn(page, username, 'mail-password-1');
  await waitForHydration(page);
  const block = page.getByRole('region', { name: 'Email address' });
  await block.getByRole('textbox', { name: 'Email', exact: true }).fill(fresh);
  const since = Date.now();
  await block.getByRole('button', { name: 'Save' }).click();
  await confirmItIsYou(page, 'mail-password-1');
  await expect(block.getByRole('status').first()).toContainText(`We sent a 6-digit code to ${username.charAt(0)}***@example.it`);
  await expect(page.getByRole('region', { name: 'Role and login' })).toContainText(old);

  const code = await codeFromMail(request, fresh, 'new email address', since);
  await block.getByLabel('Enter the security code you received by email').fill(code);
  await block.getByRole('button', { name: 'Verify' }).click();
  await expect(block.getByText('Email address saved.')).toBeVisible();
  await expect(page.getByRole('region', { name: 'Role and login' })).toContainText(fresh);
  await waitForMail(request, old, 'email address of your account has been changed', since);
});
