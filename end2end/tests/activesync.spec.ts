import { test, expect } from '@playwright/test';
import { ADMIN_PASSWORD, createUserViaApi, docShot, logIn, uniqueName, waitForHydration } from './helpers';

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

  await block.getByRole('button', { name: 'View and change' }).click();
  const reauth = page.getByRole('dialog', { name: 'Confirm it is you' });
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
  await page.getByRole('region', { name: 'ActiveSync' }).getByRole('button', { name: 'View and change' }).click();
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
  await expect(page.getByRole('checkbox', { name: 'Enable ActiveSync' })).toBeChecked();
  await expect(page.locator('#sync-status')).toContainText('Devices must use the ActiveSync password');
  await expect(page.getByRole('button', { name: 'View and change' })).toHaveCount(0);
  expect(await page.content()).not.toContain('tablet-secret-7');
  await page.getByRole('button', { name: 'Clear ActiveSync password' }).click();
  await expect(page.getByText('The ActiveSync password has been cleared.')).toBeVisible();
  await expect(page.locator('#sync-status')).toContainText('Your devices sign in with the login password.');
  await expect(page.getByRole('table').getByRole('row').nth(1)).toContainText('ActiveSync password cleared by an administrator');
});
