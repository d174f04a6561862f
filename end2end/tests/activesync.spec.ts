import { test, expect, type APIRequestContext } from '@playwright/test';
import {
  ADMIN_PASSWORD, codeFromMail, confirmItIsYou, createUserViaApi, docShot, logIn, uniqueName, waitForHydration,
} from './helpers';
import { PORT } from '../playwright.config';

test('admin enables ActiveSync; the user sets, views and copies their ActiveSync password after re-authenticating', async ({ page, request }) => {
  const username = uniqueName('eas');
  const id = await createUserViaApi(request, {
    username, email: `${username}@example.it`, first: 'Elio', last: 'Sync', password: 'eas-password-1',
  });
  const json = { headers: { Accept: 'application/json' } };
  const enabled = await request.post('/api/users/activesync', { form: { id: String(id), enabled: 'true' }, ...json });
  expect(enabled.ok(), await enabled.text()).toBeTruthy();

  await logIn(page, username, 'eas-password-1');
  await waitForHydration(page);
  const block = page.getByRole('region', { name: 'ActiveSync' });
  await expect(block).toContainText('ActiveSync password');
  await expect(block).toContainText('Your devices sign in with the login password.');

  await block.getByRole('link', { name: 'View and change' }).click();
  const reauth = page.getByRole('dialog', { name: 'You need to authenticate to continue' });
  await reauth.getByLabel('Enter your password').fill('eas-password-1');
  await reauth.getByRole('button', { name: 'Verify' }).click();

  const dialog = page.getByRole('dialog', { name: 'Change ActiveSync password' });
  await expect(dialog).toContainText('No ActiveSync password is set.');
  await dialog.getByLabel('New password').fill('short');
  await dialog.getByLabel('Confirm password').fill('short');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog.getByRole('alert')).toHaveText('The ActiveSync password must have at least 12 characters.');
  await dialog.getByLabel('New password').fill('phone-secret-42');
  await dialog.getByLabel('Confirm password').fill('phone-secret-42');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.locator('#sync-status')).toContainText('Devices must use the ActiveSync password (set on');

  // Within the re-authentication window it opens at once, hidden until "Show".
  await page.getByRole('region', { name: 'ActiveSync' }).getByRole('link', { name: 'View and change' }).click();
  const again = page.getByRole('dialog', { name: 'Change ActiveSync password' });
  const current = again.getByLabel('Current password');
  await expect(current).toHaveAttribute('type', 'password');
  await expect(current).toHaveValue('phone-secret-42');
  await again.getByRole('button', { name: 'Show' }).click();
  await expect(current).toHaveAttribute('type', 'text');
  await docShot(page, 'activesync');
  await again.getByRole('button', { name: 'Cancel' }).click();
  await expect(again).toBeHidden();
});

test('an admin cannot see the ActiveSync password, only clear it', async ({ page, request }) => {
  const username = uniqueName('eac');
  const id = await createUserViaApi(request, {
    username, email: `${username}@example.it`, first: '', last: '', password: 'eac-password-1',
  });
  const json = { headers: { Accept: 'application/json' } };
  expect((await request.post('/api/users/activesync', { form: { id: String(id), enabled: 'true' }, ...json })).ok()).toBeTruthy();
  await request.post('/api/logout', json);
  expect((await request.post('/api/login', { form: { username, password: 'eac-password-1' }, ...json })).ok()).toBeTruthy();
  expect((await request.post('/api/reauth', { form: { reauth_password: 'eac-password-1' }, ...json })).ok()).toBeTruthy();
  const set = await request.post('/api/activesync/change', {
    form: { new_sync_password: 'tablet-secret-7', confirm_sync_password: 'tablet-secret-7' }, ...json,
  });
  expect(set.ok(), await set.text()).toBeTruthy();

  await logIn(page, 'admin', ADMIN_PASSWORD);
  await page.goto(`/admin/users/${id}`);
  await waitForHydration(page);
  const block = page.getByRole('region', { name: 'ActiveSync' });
  await expect(block.getByRole('checkbox', { name: 'Enable ActiveSync' })).toBeChecked();
  await expect(block.locator('#sync-status')).toContainText('Devices must use the ActiveSync password');
  await expect(page.getByRole('link', { name: 'View and change' })).toHaveCount(0);
  expect(await page.content()).not.toContain('tablet-secret-7');
  await page.getByRole('button', { name: 'Clear ActiveSync password' }).click();
  await confirmItIsYou(page, ADMIN_PASSWORD);
  await expect(page.getByText('The ActiveSync password has been cleared.')).toBeVisible();
  await expect(page.locator('#sync-status')).toContainText('Your devices sign in with the login password.');
  await expect(page.getByRole('table').getByRole('row').nth(1)).toContainText('ActiveSync password cleared by an administrator');
});

async function enableActiveSync(request: APIRequestContext, id: number) {
  const r = await request.post('/api/users/activesync', {
    form: { id: String(id), enabled: 'true' }, headers: { Accept: 'application/json' },
  });
  expect(r.ok(), await r.text()).toBeTruthy();
}

test('turning on 2FA with ActiveSync enabled asks for a dedicated password: Cancel leaves it off, OK + a new password turns it on', async ({ page, request }) => {
  const username = uniqueName('e2f');
  const email = `${username}@example.it`;
  const id = await createUserViaApi(request, { username, email, first: 'Enzo', last: 'Due', password: 'e2f-password-1' });
  await enableActiveSync(request, id);

  await logIn(page, username, 'e2f-password-1');
  await waitForHydration(page);
  const method = page.getByRole('combobox', { name: 'Two-factor authentication' });
  await method.selectOption({ label: 'With email' });
  const notice = page.getByRole('dialog', { name: 'Two-factor authentication' });
  await expect(notice).toHaveText(/Turning on two-factor verification requires a dedicated ActiveSync password\./);
  await expect(notice.getByRole('button', { name: 'OK' })).toBeFocused();
  await notice.getByRole('button', { name: 'Cancel' }).click();
  await expect(notice).toBeHidden();
  await expect(method).toHaveValue('off');
  await expect(page.getByRole('dialog')).toHaveCount(0);

  await method.selectOption({ label: 'With email' });
  await page.getByRole('dialog').getByRole('button', { name: 'OK' }).click();
  const dialog = page.getByRole('dialog', { name: 'Change ActiveSync password' });
  await dialog.getByLabel('New password').fill('e2f-password-1');
  await dialog.getByLabel('Confirm password').fill('e2f-password-1');
  await dialog.getByRole('button', { name: 'Save' }).click();
  // Turning 2FA on needs a fresh re-authentication; the dialog's form is sent again after it.
  const reauth = page.getByRole('dialog', { name: 'You need to authenticate to continue' });
  await reauth.getByLabel('Enter your password').fill('e2f-password-1');
  await reauth.getByRole('button', { name: 'Verify' }).click();
  await expect(reauth).toBeHidden();
  await expect(dialog.getByText('The ActiveSync password must differ from the login password.')).toBeVisible();

  const since = Date.now();
  await dialog.getByLabel('New password').fill('phone-secret-2fa');
  await dialog.getByLabel('Confirm password').fill('phone-secret-2fa');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  await expect(method).toHaveValue('email');
  // Nothing is on until the emailed code is typed.
  await expect(page.locator('#sync-status')).toContainText('Your devices sign in with the login password.');
  const code = await codeFromMail(request, email, 'to turn on two-factor authentication', since);
  const block = page.locator('#two-factor');
  await block.getByLabel('Enter the security code you received by email').fill(code);
  await block.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByText('On: codes are sent to e***@example.it.')).toBeVisible();
  await expect(page.locator('#sync-status')).toContainText('Devices must use the ActiveSync password (set on');

  // Later, in a new session: password + emailed code before the password is shown.
  await page.getByRole('button', { name: 'Log out' }).click();
  const loginSince = Date.now();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill('e2f-password-1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('Enter the security code you received by email')
    .fill(await codeFromMail(request, email, 'to sign in', loginSince));
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page).toHaveURL(/\/preferences$/);
  await waitForHydration(page);
  const viewSince = Date.now();
  await page.getByRole('link', { name: 'View and change' }).click();
  const twoFactorReauth = page.getByRole('dialog', { name: 'Two-factor authentication' });
  await twoFactorReauth.getByLabel('Enter your password').fill('e2f-password-1');
  await twoFactorReauth.getByLabel('Enter the security code you received by email')
    .fill(await codeFromMail(request, email, 'to confirm it is you', viewSince));
  await twoFactorReauth.getByRole('button', { name: 'Verify' }).click();
  const change = page.getByRole('dialog', { name: 'Change ActiveSync password' });
  await expect(change.getByLabel('Current password')).toHaveValue('phone-secret-2fa');
  await expect(change.getByRole('button', { name: 'Remove' })).toHaveCount(0);
  await change.getByLabel('New password').fill('phone-secret-new');
  await change.getByLabel('Confirm password').fill('phone-secret-new');
  await change.getByRole('button', { name: 'Save' }).click();
  await expect(change).toBeHidden();
  await page.getByRole('link', { name: 'View and change' }).click();
  await expect(page.getByRole('dialog', { name: 'Change ActiveSync password' }).getByLabel('Current password'))
    .toHaveValue('phone-secret-new');
});

test('the ActiveSync block in Italian, as in the source documents, with the device setup help', async ({ page, request }) => {
  const json = { headers: { Accept: 'application/json' } };
  const username = uniqueName('eit');
  const email = `${username}@example.it`;
  const id = await createUserViaApi(request, { username, email, first: 'Elena', last: 'Italia', password: 'eit-password-1' });
  const adminName = uniqueName('adm');
  // An Italian-speaking admin (the shared admin keeps English for the other tests); making
  // an admin asks for the admin's own re-authentication first.
  expect((await request.post('/api/reauth', { form: { reauth_password: ADMIN_PASSWORD }, ...json })).ok()).toBeTruthy();
  const created = await request.post('/api/users/create', {
    form: { username: adminName, email: `${adminName}@example.it`, first_name: 'Ada', last_name: 'Min', password: 'adm-one-time-1', is_admin: 'on' },
    ...json,
  });
  expect(created.ok(), await created.text()).toBeTruthy();
  // The new admin's password is a one-time one: she chooses her own first.
  await request.post('/api/logout', json);
  expect((await request.post('/api/login', { form: { username: adminName, password: 'adm-one-time-1' }, ...json })).ok()).toBeTruthy();
  const chosen = await request.post('/api/me/choose-password', {
    form: { new_password: 'adm-password-1', confirm_password: 'adm-password-1' }, ...json,
  });
  expect(chosen.ok(), await chosen.text()).toBeTruthy();
  for (const [who, password] of [[adminName, 'adm-password-1'], [username, 'eit-password-1']]) {
    await request.post('/api/logout', json);
    expect((await request.post('/api/login', { form: { username: who, password }, ...json })).ok()).toBeTruthy();
    expect((await request.post('/api/me/language', { form: { language: 'it' }, ...json })).ok()).toBeTruthy();
  }

  await page.goto('/login');
  await page.getByLabel('Username').fill(adminName);
  await page.getByLabel('Password').fill('adm-password-1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/preferences$/);
  // An admin sees and changes her own "Enable ActiveSync" in her ActiveSync block (SPEC 1.2);
  // her password appears once it is on.
  await waitForHydration(page);
  const mine = page.getByRole('region', { name: 'ActiveSync' });
  const own = mine.getByRole('checkbox', { name: 'Abilita ActiveSync' });
  await expect(own).not.toBeChecked();
  await expect(mine.getByRole('link', { name: 'Vedi e modifica' })).toHaveCount(0);
  await own.check();
  await expect(mine.getByRole('link', { name: 'Vedi e modifica' })).toBeVisible();
  await expect(mine.getByRole('checkbox', { name: 'Abilita ActiveSync' })).toBeChecked();
  await page.goto(`/admin/users/${id}`);
  await waitForHydration(page);
  // On a user's page the switch is in the user's one ActiveSync block.
  await page.getByRole('region', { name: 'ActiveSync' }).getByRole('checkbox', { name: 'Abilita ActiveSync' }).check();
  await expect(page.getByRole('region', { name: 'ActiveSync', exact: true })).toContainText('Password ActiveSync');
  await page.getByRole('button', { name: 'Esci' }).click();

  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill('eit-password-1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/preferences$/);
  await waitForHydration(page);
  const block = page.getByRole('region', { name: 'ActiveSync', exact: true });
  await expect(block).toContainText('Password ActiveSync');
  await block.getByText('Configurazione del dispositivo').click();
  const help = block.locator('.device-setup');
  await expect(help).toContainText('non deve necessariamente corrispondere a quello del tuo utente CRM');
  await expect(help.getByRole('row', { name: /Server/ })).toContainText('127.0.0.1');
  await expect(help.getByRole('row', { name: /Porta/ })).toContainText(String(PORT));
  await expect(help.getByRole('row', { name: /Sicurezza/ })).toContainText('Nessuna');
  await expect(help.getByRole('row', { name: /Password/ })).toContainText('La password di accesso al CRM');

  await page.getByRole('combobox', { name: 'Autenticazione a 2 fattori' }).selectOption({ label: 'Con email' });
  const notice = page.getByRole('dialog', { name: 'Autenticazione a 2 fattori' });
  await expect(notice).toContainText("Attivando la verifica a due fattori è necessario impostare una password dedicata per l'active sync.");
  await expect(notice.getByRole('button', { name: 'ANNULLA' })).toBeVisible();
  await notice.getByRole('button', { name: 'OK' }).click();
  const dialog = page.getByRole('dialog', { name: 'Cambia Password ActiveSync' });
  await dialog.getByLabel('Nuova Password').fill('telefono-segreto-1');
  await dialog.getByLabel('Conferma Password').fill('telefono-segreto-1');
  await expect(dialog.getByRole('button', { name: 'Annulla' })).toBeVisible();
  const since = Date.now();
  await dialog.getByRole('button', { name: 'Salva' }).click();
  const reauth = page.getByRole('dialog').filter({ hasText: "E' necessario autenticarsi per procedere" });
  await reauth.getByLabel('Inserisci la tua password').fill('eit-password-1');
  await reauth.getByRole('button', { name: 'Verifica' }).click();
  await expect(dialog).toBeHidden();
  const code = await codeFromMail(request, email, "per attivare l'autenticazione a 2 fattori", since);
  await page.locator('#two-factor').getByLabel('Inserisci il codice di sicurezza ricevuto via email').fill(code);
  await page.locator('#two-factor').getByRole('button', { name: 'Verifica' }).click();
  await expect(page.locator('#sync-status')).toContainText('I dispositivi devono usare la password ActiveSync');

  await block.getByRole('link', { name: 'Vedi e modifica' }).click();
  const change = page.getByRole('dialog', { name: 'Cambia Password ActiveSync' });
  await expect(change.getByLabel('Password attuale')).toHaveValue('telefono-segreto-1');
  await change.getByRole('button', { name: 'Mostra' }).click();
  await expect(change.getByLabel('Nuova Password')).toBeVisible();
  await expect(change.getByLabel('Conferma Password')).toBeVisible();
  await expect(change.getByRole('button', { name: 'Salva' })).toBeVisible();
  await docShot(page, 'activesync-it');
  await change.getByRole('button', { name: 'Annulla' }).click();
  await expect(change).toBeHidden();
});

test('"Sync with my devices" turns a folder off for the phones, remembered and audited', async ({ page, request }) => {
  const username = uniqueName('choice');
  const id = await createUserViaApi(request, {
    username, email: `${username}@example.it`, first: 'Carla', last: 'Scelta', password: 'choice-password-1',
  });
  await logIn(page, username, 'choice-password-1');
  await waitForHydration(page);
  const block = page.getByRole('region', { name: 'Sync with my devices' });
  await expect(block.getByLabel('Contacts')).toBeChecked();
  await expect(block.getByLabel('Calendar')).toBeChecked();
  await block.getByLabel('Contacts').uncheck();
  await expect(block.getByText('Saved. Your phones follow at their next sync.')).toBeVisible();
  await page.reload();
  await expect(page.getByRole('region', { name: 'Sync with my devices' }).getByLabel('Contacts')).not.toBeChecked();
  await expect(page.getByRole('region', { name: 'Sync with my devices' }).getByLabel('Calendar')).toBeChecked();
  // The admin sees the change in the user's audit trail.
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await logIn(page, 'admin', ADMIN_PASSWORD);
  await page.goto(`/admin/users/${id}`);
  await expect(page.getByText('Contacts sync turned off')).toBeVisible();
});
