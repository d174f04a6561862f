import { test, expect } from '@playwright/test';
import { createUserViaApi, logIn, uniqueName, waitForHydration } from './helpers';

test('a user creates, finds, edits and deletes a contact', async ({ page, request }) => {
  const username = uniqueName('rubrica');
  await createUserViaApi(request, {
    username, email: `${username}@example.it`, first: 'Rita', last: 'Rubrica', password: 'rubrica-password-1',
  });
  await logIn(page, username, 'rubrica-password-1');
  await page.getByRole('navigation', { name: 'main' }).getByRole('link', { name: 'Contacts' }).click();
  await expect(page.getByRole('heading', { name: 'Contacts', level: 1 })).toBeVisible();
  await expect(page.getByText('You have no contacts yet')).toBeVisible();

  await page.getByRole('link', { name: 'New contact' }).click();
  await waitForHydration(page);
  await page.getByLabel('First name').fill('Carla');
  await page.getByLabel('Last name').fill('Rossi');
  await page.getByLabel('Company').fill('ACME Srl');
  await page.getByLabel('Email addresses 1').fill('carla@acme.it');
  await page.getByLabel('Email addresses 2').fill('not an email');
  await page.getByRole('button', { name: 'Add a phone number' }).click();
  await page.getByLabel('Phone 1').fill('+39 333 1234567');
  await page.getByLabel('Birthday').fill('1985-04-12');
  await page.getByRole('button', { name: 'Save' }).click();
  // A wrong field is named and nothing is saved.
  await expect(page.getByText('Enter a valid email address, like name@example.com.')).toBeVisible();
  await expect(page).toHaveURL(/\/contacts\/new$/);
  await page.getByLabel('Email addresses 2').fill('');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('heading', { name: 'Carla Rossi', level: 1 })).toBeVisible();
  await expect(page.getByText('+39 333 1234567')).toBeVisible();
  await expect(page.getByText('1985-04-12')).toBeVisible();

  await page.getByRole('link', { name: 'Edit' }).click();
  await waitForHydration(page);
  await expect(page.getByLabel('Company')).toHaveValue('ACME Srl');
  await page.getByLabel('Job title').fill('Direttrice');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Direttrice')).toBeVisible();

  await page.goto('/contacts');
  await page.getByLabel('Search contacts').fill('acme carla');
  await page.getByLabel('Search contacts').press('Enter');
  await expect(page).toHaveURL(/\/contacts\?q=acme\+carla$/);
  await expect(page.getByRole('link', { name: 'Carla Rossi' })).toBeVisible();
  await page.getByLabel('Search contacts').fill('nobody-like-this');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByText('No contact matches your search.')).toBeVisible();

  await page.goto('/contacts');
  await page.getByRole('link', { name: 'Carla Rossi' }).click();
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Delete' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete the contact' });
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('heading', { name: 'Carla Rossi' })).toBeVisible();
  await page.getByRole('button', { name: 'Delete' }).click();
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await expect(page).toHaveURL(/\/contacts$/);
  await expect(page.getByText('You have no contacts yet')).toBeVisible();
});

test('another user cannot open someone else\'s contact', async ({ page, request }) => {
  const owner = uniqueName('owner');
  await createUserViaApi(request, { username: owner, email: `${owner}@example.it`, first: 'O', last: 'W', password: 'owner-password-1' });
  const json = { headers: { Accept: 'application/json' } };
  await request.post('/api/login', { form: { username: owner, password: 'owner-password-1' }, ...json });
  const saved = await request.post('/api/contacts/save', {
    data: { id: null, contact: { first_name: 'Segreto' } }, headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
  });
  expect(saved.ok(), await saved.text()).toBeTruthy();
  const id: number = await saved.json();
  const other = uniqueName('other');
  await createUserViaApi(request, { username: other, email: `${other}@example.it`, first: 'X', last: 'Y', password: 'other-password-1' });
  await logIn(page, other, 'other-password-1');
  await page.goto(`/contacts/${id}`);
  await expect(page.getByText('Segreto')).toHaveCount(0);
  // The admin (signed in on `request` by the helper) cannot read it either.
  const asAdmin = await request.post('/api/contacts/get', { form: { id: String(id) }, ...json });
  expect(await asAdmin.text()).not.toContain('Segreto');
});

test('the list pages through many contacts, fifty at a time', async ({ page, request }) => {
  const username = uniqueName('molti');
  await createUserViaApi(request, { username, email: `${username}@example.it`, first: 'M', last: 'T', password: 'molti-password-1' });
  const json = { headers: { Accept: 'application/json', 'Content-Type': 'application/json' } };
  await request.post('/api/login', { form: { username, password: 'molti-password-1' }, headers: { Accept: 'application/json' } });
  for (let i = 0; i < 55; i++) {
    const r = await request.post('/api/contacts/save', {
      data: { id: null, contact: { first_name: 'Persona', last_name: `N${String(i).padStart(3, '0')}` } }, ...json,
    });
    expect(r.ok()).toBeTruthy();
  }
  await logIn(page, username, 'molti-password-1');
  await page.goto('/contacts');
  await expect(page.getByText('55 contacts')).toBeVisible();
  await expect(page.getByRole('link', { name: /^Persona N/ })).toHaveCount(50);
  await page.getByRole('link', { name: 'Next' }).click();
  await expect(page.getByText('Page 2')).toBeVisible();
  await expect(page.getByRole('link', { name: /^Persona N/ })).toHaveCount(5);
  await expect(page.getByRole('link', { name: 'Persona N054' })).toBeVisible();
});

test.describe('with an Italian browser', () => {
  test.use({ locale: 'it-IT' });

  test('the contacts pages speak Italian', async ({ page, request }) => {
    const username = uniqueName('contatti');
    await createUserViaApi(request, { username, email: `${username}@example.it`, first: 'I', last: 'T', password: 'contatti-password-1' });
    await page.goto('/login');
    await page.getByLabel('Nome utente').fill(username);
    await page.getByLabel('Password').fill('contatti-password-1');
    await page.getByRole('button', { name: 'Accedi' }).click();
    await expect(page).toHaveURL(/\/preferences$/);
    await page.getByRole('navigation', { name: 'main' }).getByRole('link', { name: 'Contatti' }).click();
    await expect(page.getByRole('heading', { name: 'Contatti', level: 1 })).toBeVisible();
    await expect(page.getByText('Non hai ancora contatti')).toBeVisible();
    await page.getByRole('link', { name: 'Nuovo contatto' }).click();
    await waitForHydration(page);
    await page.getByRole('button', { name: 'Salva' }).click();
    await expect(page.getByText("Indica un nome, un'azienda o un indirizzo email per il contatto.")).toBeVisible();
    await page.getByLabel('Azienda').fill('Rossi Srl');
    await page.getByLabel('Compleanno').fill('1990-02-28');
    await page.getByRole('button', { name: 'Salva' }).click();
    await expect(page.getByRole('heading', { name: 'Rossi Srl', level: 1 })).toBeVisible();
    await expect(page.getByText('Compleanno')).toBeVisible();
  });
});

test('a contact gets a picture, refused when it is not one, and loses it again', async ({ page, request }) => {
  const username = uniqueName('foto');
  await createUserViaApi(request, { username, email: `${username}@example.it`, first: 'F', last: 'O', password: 'foto-password-1' });
  await logIn(page, username, 'foto-password-1');
  await page.goto('/contacts/new');
  await waitForHydration(page);
  await page.getByLabel('First name').fill('Paola');
  await page.getByLabel('Last name').fill('Foto');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('heading', { name: 'Paola Foto', level: 1 })).toBeVisible();
  await expect(page.getByRole('img', { name: 'Picture of Paola Foto' })).toHaveCount(0);

  // Not a picture: refused with a reason, nothing stored.
  await page.getByLabel('Picture file').setInputFiles({
    name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('BEGIN:VCARD\r\nEND:VCARD\r\n'),
  });
  await page.getByRole('button', { name: 'Upload picture' }).click();
  await expect(page.getByRole('alert')).toHaveText('This file is not a picture the console can read (use JPEG, PNG, GIF or WebP).');
  await expect(page.getByRole('img', { name: 'Picture of Paola Foto' })).toHaveCount(0);

  const png = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
  await page.getByLabel('Picture file').setInputFiles({ name: 'paola.png', mimeType: 'image/png', buffer: png });
  await page.getByRole('button', { name: 'Upload picture' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Picture saved.' })).toBeVisible();
  const img = page.getByRole('img', { name: 'Picture of Paola Foto' });
  await expect(img).toBeVisible();
  // It loads: the browser decoded the stored JPEG.
  expect(await img.evaluate((e: HTMLImageElement) => e.complete && e.naturalWidth)).toBe(1);
  const address = new URL(page.url()).pathname;

  // Another user gets nothing at the picture's address.
  const other = uniqueName('curioso');
  await createUserViaApi(request, { username: other, email: `${other}@example.it`, first: 'C', last: 'U', password: 'curioso-password-1' });
  const context = await page.context().browser()!.newContext();
  const stranger = await context.newPage();
  await logIn(stranger, other, 'curioso-password-1');
  const peek = await stranger.request.get(`${address}/picture`);
  expect(peek.status()).toBe(404);
  await context.close();

  await page.getByRole('button', { name: 'Remove picture' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Picture removed.' })).toBeVisible();
  await expect(page.getByRole('img', { name: 'Picture of Paola Foto' })).toHaveCount(0);
});
