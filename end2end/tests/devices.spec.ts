import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { ADMIN_PASSWORD, createUserViaApi, docShot, logIn, uniqueName, waitForHydration } from './helpers';
import { PORT } from '../playwright.config';

/** pyactivesync, a real EAS 16.1 client (installed by `make test` into .tmp/eas-venv), as a phone. */
function phoneSync(user: string, password: string, deviceId: string): { folders?: [string, number][]; status?: number } {
  const out = execFileSync(`${__dirname}/../../.tmp/eas-venv/bin/python`, [
    `${__dirname}/../../server/tests/eas_client.py`,
    `http://127.0.0.1:${PORT}/Microsoft-Server-ActiveSync`, user, password, deviceId,
  ]);
  return JSON.parse(out.toString());
}

/** Contacts and Calendar, and the empty mail folders phones insist on. */
const FOLDERS = [['Contacts', 9], ['Calendar', 8], ['Inbox', 2], ['Drafts', 3], ['Deleted Items', 4], ['Sent Items', 5], ['Outbox', 6]];

test('a phone that synced appears in the Devices list; the admin blocks it', async ({ page, request }) => {
  const username = uniqueName('dev');
  const id = await createUserViaApi(request, {
    username, email: `${username}@example.it`, first: 'Dora', last: 'Device', password: 'dev-password-1',
  });
  const json = { headers: { Accept: 'application/json' } };
  expect((await request.post('/api/users/activesync', { form: { id: String(id), enabled: 'true' }, ...json })).ok()).toBeTruthy();

  expect(phoneSync(username, 'dev-password-1', 'PHONE42').folders).toEqual(FOLDERS);

  await logIn(page, username, 'dev-password-1');
  await waitForHydration(page);
  const devices = page.getByRole('region', { name: 'Devices' });
  const row = devices.getByRole('row', { name: /PHONE42/ });
  await expect(row).toContainText('pyactivesync');
  await expect(row).toContainText('16.1');
  await expect(row).toContainText('127.0.0.1');
  await expect(row).toContainText('Working');
  await expect(devices.getByRole('button', { name: 'Block' })).toHaveCount(0);
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);

  await logIn(page, 'admin', ADMIN_PASSWORD);
  // The user list says when and which of the user's devices the door saw last, and sorts by it.
  await page.goto('/admin/users');
  await waitForHydration(page);
  await page.getByLabel('Search users').fill(username);
  const listed = page.getByRole('table').getByRole('row', { name: new RegExp(username) });
  await expect(listed).toContainText(/\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} UTC · .*PHONE42/);
  await page.getByLabel('Search users').fill('');
  await page.getByRole('button', { name: 'Last device seen' }).click();
  await expect(page.getByRole('columnheader', { name: 'Last device seen' })).toHaveAttribute('aria-sort', 'descending');
  await expect(page.getByRole('table').getByRole('row').nth(1)).toContainText(username);
  await page.goto(`/admin/users/${id}`);
  await waitForHydration(page);
  const adminRow = page.getByRole('region', { name: 'Devices' }).getByRole('row', { name: /PHONE42/ });
  await adminRow.getByRole('button', { name: 'Block' }).click();
  await expect(adminRow).toContainText('Blocked');
  await expect(page.getByRole('region', { name: 'Audit trail' }).getByRole('row').nth(1)).toContainText('Device blocked');
  await docShot(page, 'devices');
  expect(phoneSync(username, 'dev-password-1', 'PHONE42').status).toBe(403);

  // An old phone is removed from the list; the removal is audited.
  expect(phoneSync(username, 'dev-password-1', 'OLDPHONE7').folders).toEqual(FOLDERS);
  await page.reload();
  await waitForHydration(page);
  const oldRow = page.getByRole('region', { name: 'Devices' }).getByRole('row', { name: /OLDPHONE7/ });
  await oldRow.getByRole('button', { name: 'Remove' }).click();
  await expect(oldRow).toHaveCount(0);
  await expect(page.getByRole('region', { name: 'Devices' }).getByRole('row', { name: /PHONE42/ })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Audit trail' }).getByRole('row').nth(1)).toContainText('Device removed');
});
