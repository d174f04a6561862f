import { test, expect, Page } from '@playwright/test';
import { createUserViaApi, docShot, logIn, uniqueName, waitForHydration } from './helpers';

/** The month view's cell of a day, found by the day's link (its name is the long date). */
function day(page: Page, longDate: string) {
  return page.getByRole('cell').filter({ has: page.getByRole('link', { name: longDate, exact: true }) });
}

test('a weekly meeting, one occurrence moved and one deleted', async ({ page, request }) => {
  const username = uniqueName('agenda');
  await createUserViaApi(request, {
    username, email: `${username}@example.it`, first: 'Alba', last: 'Agenda', password: 'agenda-password-1',
  });
  await logIn(page, username, 'agenda-password-1');
  await waitForHydration(page);

  // The user's zone, chosen on /preferences, is what new events start in.
  await page.getByRole('combobox', { name: 'Time zone' }).fill('Mars/Olympus');
  await page.getByRole('region', { name: 'Time zone' }).getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('This time zone is not known (use a name like Europe/Rome).')).toBeVisible();
  await page.getByRole('combobox', { name: 'Time zone' }).fill('Europe/Rome');
  await page.getByRole('region', { name: 'Time zone' }).getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Time zone saved.')).toBeVisible();

  await page.getByRole('navigation', { name: 'main' }).getByRole('link', { name: 'Calendar' }).click();
  await expect(page.getByRole('heading', { name: 'Calendar', level: 1 })).toBeVisible();
  await page.goto('/calendar?month=2025-01');
  await expect(page.getByRole('heading', { name: 'January 2025' })).toBeVisible();
  await expect(page.getByText('Nothing this month.')).toBeVisible();
  await expect(page.getByText('Times are shown in Europe/Rome.')).toBeVisible();

  // A day's link opens the form on that day, in the user's zone.
  await page.getByRole('link', { name: 'Tuesday 7 January 2025', exact: true }).click();
  await waitForHydration(page);
  await expect(page.getByLabel('Start date')).toHaveValue('2025-01-07');
  await expect(page.getByRole('combobox', { name: 'Time zone' })).toHaveValue('Europe/Rome');
  await page.getByLabel('Title').fill('Riunione di reparto');
  await page.getByLabel('Location').fill('Sala 1');
  await page.getByLabel('Start time').fill('09:00');
  await page.getByLabel('End time').fill('08:00');
  await page.getByLabel('Repeat').selectOption({ label: 'Every week' });
  await page.getByLabel('Tuesday').check();
  await page.getByLabel('After a number of times').check();
  await page.getByLabel('Occurrences').fill('4');
  await docShot(page, 'event-form');
  await page.getByRole('button', { name: 'Add attendee' }).click();
  await page.getByLabel('Name 1').fill('Bruno');
  await page.getByLabel('Email 1').fill('bruno@example.it');
  await page.getByRole('button', { name: 'Save' }).click();
  // A wrong field is named and nothing is saved.
  await expect(page.getByText('The end must come after the start.')).toBeVisible();
  await expect(page).toHaveURL(/\/calendar\/new/);
  await page.getByLabel('End time').fill('10:00');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('heading', { name: 'Riunione di reparto', level: 1 })).toBeVisible();
  await expect(page.getByText('Tuesday 7 January 2025, 09:00–10:00 (Europe/Rome)')).toBeVisible();
  await expect(page.getByText('Every week; Tuesday; 4 times')).toBeVisible();
  await expect(page.getByText('Bruno <bruno@example.it> (No answer)')).toBeVisible();

  await page.goto('/calendar?month=2025-01');
  for (const d of ['Tuesday 7 January 2025', 'Tuesday 14 January 2025', 'Tuesday 21 January 2025', 'Tuesday 28 January 2025']) {
    await expect(day(page, d).getByRole('link', { name: '09:00–10:00 Riunione di reparto' })).toBeVisible();
  }
  await expect(day(page, 'Tuesday 4 February 2025').getByRole('link', { name: /Riunione/ })).toHaveCount(0);

  // Move the second one to Wednesday afternoon.
  await day(page, 'Tuesday 14 January 2025').getByRole('link', { name: /Riunione/ }).click();
  await expect(page.getByText('One occurrence of a repeating event.')).toBeVisible();
  await page.getByRole('link', { name: 'Edit this occurrence' }).click();
  await waitForHydration(page);
  await expect(page.getByLabel('Repeat')).toHaveCount(0);
  await page.getByLabel('Title').fill('Riunione spostata');
  await page.getByLabel('Start date').fill('2025-01-15');
  await page.getByLabel('End date').fill('2025-01-15');
  await page.getByLabel('Start time').fill('15:00');
  await page.getByLabel('End time').fill('16:00');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('heading', { name: 'Riunione spostata', level: 1 })).toBeVisible();
  await expect(page.getByText('This occurrence was changed on its own.')).toBeVisible();

  // Delete the third one only.
  await page.goto('/calendar?month=2025-01');
  await day(page, 'Tuesday 21 January 2025').getByRole('link', { name: /Riunione/ }).click();
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Delete this occurrence' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete event' });
  await expect(dialog.getByText('Delete only this occurrence? The rest of the series stays.')).toBeVisible();
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await expect(page).toHaveURL(/\/calendar$/);

  await page.goto('/calendar?month=2025-01');
  await expect(day(page, 'Tuesday 14 January 2025').getByRole('link', { name: /Riunione/ })).toHaveCount(0);
  await expect(day(page, 'Wednesday 15 January 2025').getByRole('link', { name: '15:00–16:00 Riunione spostata' })).toBeVisible();
  await expect(day(page, 'Tuesday 21 January 2025').getByRole('link', { name: /Riunione/ })).toHaveCount(0);
  await expect(day(page, 'Tuesday 28 January 2025').getByRole('link', { name: /Riunione di reparto/ })).toBeVisible();
  await docShot(page, 'calendar-month');

  // The agenda lists the same, day by day.
  await page.goto('/calendar/agenda?from=2025-01-06');
  await expect(page.getByRole('heading', { name: 'Wednesday 15 January 2025' })).toBeVisible();
  await expect(page.getByRole('link', { name: '15:00–16:00 Riunione spostata' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Tuesday 21 January 2025' })).toHaveCount(0);

  // Deleting the series empties the month.
  await page.getByRole('link', { name: /Riunione di reparto/ }).first().click();
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Delete the series' }).click();
  await expect(dialog.getByText('Delete every occurrence of this series?')).toBeVisible();
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await expect(page).toHaveURL(/\/calendar$/);
  await page.goto('/calendar?month=2025-01');
  await expect(page.getByText('Nothing this month.')).toBeVisible();
});

test('an all-day event, and nobody else sees it', async ({ page, request, browser }) => {
  const [owner, other] = [uniqueName('ferie'), uniqueName('altro')];
  for (const u of [owner, other]) {
    await createUserViaApi(request, { username: u, email: `${u}@example.it`, first: 'F', last: 'E', password: 'ferie-password-1' });
  }
  await logIn(page, owner, 'ferie-password-1');
  await page.goto('/calendar/new?date=2025-08-11');
  await waitForHydration(page);
  await page.getByLabel('Title').fill('Ferie');
  await page.getByLabel('All day').check();
  await expect(page.getByLabel('Start time')).toHaveCount(0);
  await page.getByLabel('End date').fill('2025-08-15');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Monday 11 August 2025 – Friday 15 August 2025 (All day)')).toBeVisible();
  const address = new URL(page.url()).pathname;
  await page.goto('/calendar?month=2025-08');
  for (const d of ['Monday 11 August 2025', 'Friday 15 August 2025']) {
    await expect(day(page, d).getByRole('link', { name: 'Ferie' })).toBeVisible();
  }
  await expect(day(page, 'Saturday 16 August 2025').getByRole('link', { name: 'Ferie' })).toHaveCount(0);

  const context = await browser.newContext();
  const stranger = await context.newPage();
  await logIn(stranger, other, 'ferie-password-1');
  await stranger.goto(address);
  await expect(stranger.getByRole('alert')).toHaveText('Not found: it does not exist, or it is not yours.');
  await stranger.goto('/calendar?month=2025-08');
  await expect(stranger.getByText('Nothing this month.')).toBeVisible();
  await context.close();
});

test.describe('with an Italian browser', () => {
  test.use({ locale: 'it-IT' });
  test('the calendar speaks Italian', async ({ page, request }) => {
    const username = uniqueName('calendario');
    await createUserViaApi(request, { username, email: `${username}@example.it`, first: 'C', last: 'I', password: 'calendario-password-1' });
    await page.goto('/login');
    await page.getByLabel('Nome utente').fill(username);
    await page.getByLabel('Password').fill('calendario-password-1');
    await page.getByRole('button', { name: 'Accedi' }).click();
    await expect(page).toHaveURL(/\/preferences$/);
    await page.goto('/calendar?month=2025-03');
    await expect(page.getByRole('heading', { name: 'Calendario', level: 1 })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'marzo 2025' })).toBeVisible();
    await expect(page.getByText('Niente in questo mese.')).toBeVisible();
    await page.getByRole('link', { name: 'Nuovo evento' }).click();
    await waitForHydration(page);
    await page.getByLabel('Titolo').fill('Cena');
    await page.getByLabel('Data di inizio').fill('2025-03-30');
    await page.getByLabel('Data di fine').fill('2025-03-30');
    await page.getByLabel('Ora di inizio').fill('20:00');
    await page.getByLabel('Ora di fine').fill('21:30');
    await page.getByLabel('Ripeti').selectOption({ label: 'Ogni mese, l\'ultimo di quel giorno della settimana' });
    await page.getByRole('button', { name: 'Salva' }).click();
    await expect(page.getByText('domenica 30 marzo 2025, 20:00–21:30 (UTC)')).toBeVisible();
    await expect(page.getByText('Ogni mese, l\'ultimo di quel giorno della settimana')).toBeVisible();
    await page.goto('/calendar?month=2025-04');
    await expect(day(page, 'domenica 27 aprile 2025').getByRole('link', { name: '20:00–21:30 Cena' })).toBeVisible();
  });
});
