import { test, expect, Page } from '@playwright/test';
import fs from 'node:fs';
import { createUserViaApi, docShot, logIn, uniqueName } from './helpers';

const CARDS = [
  'BEGIN:VCARD', 'VERSION:3.0', 'UID:imp-1', 'N:Rossi;Carla;;;', 'FN:Carla Rossi', 'ORG:ACME Srl;Vendite',
  'TEL;TYPE=CELL:+39 333 1111111', 'EMAIL;TYPE=INTERNET:carla@acme.it', 'BDAY:1985-04-12', 'END:VCARD',
  'BEGIN:VCARD', 'VERSION:4.0', 'UID:imp-2', 'N:Bianchi;Marco;;;', 'FN:Marco Bianchi', 'BDAY:20250230', 'END:VCARD',
  'BEGIN:VCARD', 'VERSION:4.0', 'UID:imp-3', 'this line has no colon', 'END:VCARD',
  'BEGIN:VCARD', 'VERSION:4.0', 'UID:imp-4', 'FN:Giulia Verdi', 'N:Verdi;Giulia;;;',
  'NOTE:Prima riga\\nseconda\\, con virgola', 'END:VCARD',
].join('\r\n') + '\r\n';

const EVENTS = [
  'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN',
  'BEGIN:VEVENT', 'UID:ev-1', 'SUMMARY:Riunione settimanale', 'LOCATION:Sala 2',
  'DTSTART;TZID=Europe/Rome:20250107T090000', 'DTEND;TZID=Europe/Rome:20250107T100000',
  'RRULE:FREQ=WEEKLY;COUNT=4', 'EXDATE;TZID=Europe/Rome:20250121T090000', 'END:VEVENT',
  'BEGIN:VEVENT', 'UID:ev-1', 'RECURRENCE-ID;TZID=Europe/Rome:20250114T090000', 'SUMMARY:Riunione spostata',
  'DTSTART;TZID=Europe/Rome:20250115T150000', 'DTEND;TZID=Europe/Rome:20250115T160000', 'END:VEVENT',
  'BEGIN:VEVENT', 'UID:ev-2', 'SUMMARY:Troppe', 'DTSTART:20250101T090000Z', 'DTEND:20250101T100000Z',
  'RRULE:FREQ=DAILY;COUNT=10000000', 'END:VEVENT',
  'BEGIN:VTODO', 'UID:todo-1', 'SUMMARY:Compiti', 'END:VTODO',
  'END:VCALENDAR',
].join('\r\n') + '\r\n';

async function importFile(page: Page, list: string, name: string, mimeType: string, text: string | Buffer) {
  await page.goto(list);
  await page.getByLabel('File to import').setInputFiles({ name, mimeType, buffer: Buffer.isBuffer(text) ? text : Buffer.from(text) });
  await page.getByRole('button', { name: 'Import', exact: true }).click();
}

/** The report's figure for a label ("Added", "Skipped"...). */
function figure(page: Page, label: string) {
  return page.locator('dt', { hasText: new RegExp(`^${label}`) }).locator('xpath=following-sibling::dd');
}

test('a vCard file: the report names what was skipped and where; export then import loses nothing', async ({ page, request }) => {
  const username = uniqueName('importa');
  await createUserViaApi(request, { username, email: `${username}@example.it`, first: 'I', last: 'M', password: 'importa-password-1' });
  await logIn(page, username, 'importa-password-1');

  await importFile(page, '/contacts', 'rubrica.vcf', 'text/vcard', CARDS);
  await expect(page.getByRole('heading', { name: 'Import of rubrica.vcf', level: 1 })).toBeVisible();
  await expect(page.getByRole('status')).toHaveText('Import finished.', { timeout: 15_000 });
  await expect(figure(page, 'Added')).toHaveText('2');
  await expect(figure(page, 'Skipped')).toHaveText('2');
  const skipped = page.getByRole('table', { name: 'Skipped' });
  // A card is named by its BEGIN line, or by the line that could not be read.
  await expect(skipped.getByRole('row', { name: '11 This date does not exist (use YYYY-MM-DD). (birthday)' })).toBeVisible();
  await expect(skipped.getByRole('row', { name: /^21 This entry could not be read/ })).toBeVisible();
  await docShot(page, 'import-report');

  await page.getByRole('link', { name: 'Back to contacts' }).click();
  await page.getByRole('link', { name: 'Carla Rossi' }).click();
  await expect(page.getByText('+39 333 1111111')).toBeVisible();
  await expect(page.getByText('1985-04-12')).toBeVisible();

  // Export everything, then import the export: the same contacts are updated, none added.
  await page.goto('/contacts');
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Export all contacts (vCard)' }).click();
  const file = await (await download).path();
  const exported = fs.readFileSync(file!, 'utf8');
  expect(exported).toContain('BEGIN:VCARD');
  expect(exported).toContain('UID:imp-1');
  await importFile(page, '/contacts', 'export.vcf', 'text/vcard', exported);
  await expect(page.getByRole('status')).toHaveText('Import finished.', { timeout: 15_000 });
  await expect(figure(page, 'Added')).toHaveText('0');
  await expect(figure(page, 'Updated')).toHaveText('2');
  await page.goto('/contacts');
  await expect(page.getByRole('status')).toHaveText('2 contacts');
  await page.getByRole('link', { name: 'Giulia Verdi' }).click();
  await expect(page.getByText('seconda, con virgola')).toBeVisible();
});

test('an iCalendar file: a series with a moved and a deleted occurrence; what cannot be kept is reported', async ({ page, request }) => {
  const username = uniqueName('ical');
  await createUserViaApi(request, { username, email: `${username}@example.it`, first: 'I', last: 'C', password: 'ical-password-1' });
  await logIn(page, username, 'ical-password-1');

  await importFile(page, '/calendar', 'agenda.ics', 'text/calendar', EVENTS);
  await expect(page.getByRole('status')).toHaveText('Import finished.', { timeout: 15_000 });
  await expect(figure(page, 'Added')).toHaveText('1');
  await expect(figure(page, 'Skipped')).toHaveText('2');
  const skipped = page.getByRole('table', { name: 'Skipped' });
  await expect(skipped.getByRole('row', { name: /^20 .*too many occurrences/ })).toBeVisible();
  await expect(skipped.getByRole('row', { name: /^27 Not something this folder keeps/ })).toBeVisible();

  // This user has not chosen a zone: the agenda is in UTC (15:00 in Rome is 14:00 UTC).
  await page.goto('/calendar/agenda?from=2025-01-06');
  await expect(page.getByText('Times are shown in UTC.')).toBeVisible();
  await expect(page.getByRole('link', { name: '08:00–09:00 Riunione settimanale' })).toHaveCount(2);
  await expect(page.getByRole('link', { name: '14:00–15:00 Riunione spostata' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Tuesday 21 January 2025' })).toHaveCount(0);

  const download = page.waitForEvent('download');
  await page.goto('/calendar');
  await page.getByRole('link', { name: 'Export the calendar (iCalendar)' }).click();
  const exported = fs.readFileSync((await (await download).path())!, 'utf8');
  expect(exported).toContain('RECURRENCE-ID');
  expect(exported).toContain('EXDATE');
  await importFile(page, '/calendar', 'export.ics', 'text/calendar', exported);
  await expect(page.getByRole('status')).toHaveText('Import finished.', { timeout: 15_000 });
  await expect(figure(page, 'Updated')).toHaveText('1');
  await page.goto('/calendar/agenda?from=2025-01-06');
  await expect(page.getByRole('link', { name: '08:00–09:00 Riunione settimanale' })).toHaveCount(2);
  await expect(page.getByRole('link', { name: '14:00–15:00 Riunione spostata' })).toBeVisible();
});

test('files that cannot be imported are refused with a reason and change nothing', async ({ page, request }) => {
  const username = uniqueName('rifiuto');
  await createUserViaApi(request, { username, email: `${username}@example.it`, first: 'R', last: 'F', password: 'rifiuto-password-1' });
  await logIn(page, username, 'rifiuto-password-1');
  // A 100 MB file: the server stops reading at its limit and says so.
  const huge = test.info().outputPath('huge.vcf');
  fs.writeFileSync(huge, Buffer.alloc(100 * 1024 * 1024, 'A'));
  await page.goto('/contacts');
  await page.getByLabel('File to import').setInputFiles(huge);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByRole('alert')).toHaveText('This file is too large to import (at most 20 MB).');
  fs.rmSync(huge);
  await importFile(page, '/contacts', 'photo.vcf', 'text/vcard', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0xc3, 0x28]));
  await expect(page.getByRole('alert')).toHaveText('This file is not a text file in UTF-8: export it again as vCard or iCalendar.');
  await importFile(page, '/calendar', 'notes.ics', 'text/calendar', 'just some notes\r\n');
  await expect(page.getByRole('alert')).toHaveText('There is nothing to import in this file (no BEGIN:VCARD or BEGIN:VEVENT).');
  await page.goto('/contacts');
  await expect(page.getByText('You have no contacts yet')).toBeVisible();
});
