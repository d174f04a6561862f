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

test('an event made in the console reaches a phone with its times; an occurrence the phone deletes leaves the month', async ({ page, request }) => {
  const username = uniqueName('calphone');
  const password = 'calphone-password-1';
  const id = await createUserViaApi(request, {
    username, email: `${username}@example.it`, first: 'Carlo', last: 'Calendario', password,
  });
  const json = { headers: { Accept: 'application/json' } };
  expect((await request.post('/api/users/activesync', { form: { id: String(id), enabled: 'true' }, ...json })).ok()).toBeTruthy();
  await logIn(page, username, password);
  await waitForHydration(page);
  await page.getByRole('combobox', { name: 'Time zone' }).fill('Europe/Rome');
  await page.getByRole('region', { name: 'Time zone' }).getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Time zone saved.')).toBeVisible();

  await page.goto('/calendar?month=2025-01');
  await page.getByRole('link', { name: 'Tuesday 7 January 2025', exact: true }).click();
  await waitForHydration(page);
  await page.getByLabel('Title').fill('Giro telefonate');
  await page.getByLabel('Start time').fill('09:00');
  await page.getByLabel('End time').fill('10:30');
  await page.getByLabel('Repeat').selectOption({ label: 'Every week' });
  await page.getByLabel('Tuesday').check();
  await page.getByLabel('After a number of times').check();
  await page.getByLabel('Occurrences').fill('3');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('heading', { name: 'Giro telefonate', level: 1 })).toBeVisible();

  // The phone gets it at 09:00 in Rome, 08:00 UTC, with Rome's rules.
  const phoneA = phone(username, password, 'CALPHONE');
  const { events } = phoneA.step('cal-first-sync');
  expect(events).toHaveLength(1);
  expect(events[0].Subject).toBe('Giro telefonate');
  expect(events[0].StartTime).toBe('20250107T080000Z');
  expect(events[0].EndTime).toBe('20250107T093000Z');
  expect(events[0].TimeZone.length).toBe(232);

  // It deletes the second Tuesday only.
  expect(phoneA.step('cal-delete-occurrence', events[0].id, '20250114T080000Z').status).toBe('1');
  await page.goto('/calendar?month=2025-01');
  const day = (d: string) => page.getByRole('cell').filter({ has: page.getByRole('link', { name: d, exact: true }) });
  await expect(day('Tuesday 7 January 2025').getByRole('link', { name: '09:00–10:30 Giro telefonate' })).toBeVisible();
  await expect(day('Tuesday 14 January 2025').getByRole('link', { name: /Giro telefonate/ })).toHaveCount(0);
  await expect(day('Tuesday 21 January 2025').getByRole('link', { name: '09:00–10:30 Giro telefonate' })).toBeVisible();
});
