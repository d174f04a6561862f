import { test, expect } from '@playwright/test';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUserViaApi, logIn, uniqueName, waitForHydration } from './helpers';
import { PORT } from '../playwright.config';

const PYTHON = `${__dirname}/../../.tmp/eas-venv/bin/python`;
const SCRIPT = `${__dirname}/../../server/tests/eas_phone.py`;
const DOOR = `http://127.0.0.1:${PORT}/Microsoft-Server-ActiveSync`;

/** A phone of `user` (pyactivesync, a real EAS client), its sync key kept in its own file. */
function phone(user: string, password: string, device: string) {
  const state = join(mkdtempSync(join(tmpdir(), 'phone-')), 'state.json');
  const args = (step: string[]) => [SCRIPT, DOOR, user, password, device, state, ...step];
  return {
    step(...step: string[]) {
      return JSON.parse(execFileSync(PYTHON, args(step)).toString());
    },
    /** A Ping that resolves when the door answers it. */
    ping(seconds: number): Promise<{ status: string; folders: string[] }> {
      return new Promise((resolve, reject) =>
        execFile(PYTHON, args(['ping', String(seconds)]), (err, out) => (err ? reject(err) : resolve(JSON.parse(out)))));
    },
  };
}

test('two phones and the console keep one user\'s contacts in step, with push', async ({ page, request }) => {
  const username = uniqueName('sync');
  const password = 'sync-password-1';
  const id = await createUserViaApi(request, {
    username, email: `${username}@example.it`, first: 'Sara', last: 'Sync', password,
  });
  const json = { headers: { Accept: 'application/json' } };
  expect((await request.post('/api/users/activesync', { form: { id: String(id), enabled: 'true' }, ...json })).ok()).toBeTruthy();
  const a = phone(username, password, 'PHONEA');
  const b = phone(username, password, 'PHONEB');
  expect(a.step('first-sync', '100').names).toEqual([]);
  expect(b.step('first-sync', '100').names).toEqual([]);

  // Phone A adds a contact: it is in /contacts.
  const added = a.step('add', 'Paola', 'Telefono');
  expect(added.status).toBe('1');
  await logIn(page, username, password);
  await page.goto('/contacts');
  await expect(page.getByRole('link', { name: 'Paola Telefono' })).toBeVisible();

  // Phone A waits in Ping; the contact is edited in the console; the Ping wakes and phone A's
  // next Sync brings the edit.
  const waiting = a.ping(600);
  await page.getByRole('link', { name: 'Paola Telefono' }).click();
  await page.getByRole('link', { name: 'Edit' }).click();
  await waitForHydration(page);
  await page.getByLabel('Last name').fill('Console');
  const saved = Date.now();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('heading', { name: 'Paola Console', level: 1 })).toBeVisible();
  const woken = await waiting;
  expect(woken).toEqual({ status: '2', folders: ['contacts'] });
  console.log(`Ping answered ${Date.now() - saved} ms after Save was clicked`);
  const changes = a.step('sync');
  expect(changes.changed).toEqual([expect.objectContaining({ id: added.server_id, LastName: 'Console' })]);

  // Phone B gets the contact and deletes it: gone in the console and on phone A.
  const onB = b.step('sync');
  expect(onB.added).toEqual([expect.objectContaining({ id: added.server_id, FirstName: 'Paola', LastName: 'Console' })]);
  expect(b.step('delete', added.server_id).status).toBe('1');
  await page.goto('/contacts');
  await expect(page.getByText('You have no contacts yet')).toBeVisible();
  expect(a.step('sync').deleted).toEqual([added.server_id]);

  // The Devices list says what each phone syncs.
  await page.goto('/preferences');
  await waitForHydration(page);
  const row = page.getByRole('region', { name: 'Devices' }).getByRole('row', { name: /PHONEA/ });
  await expect(row).toContainText('Contacts: 0 items');
});
