import { test, expect, type Page } from '@playwright/test';
import { ADMIN_PASSWORD, createUserViaApi, logIn, uniqueName, waitForHydration } from './helpers';

// SPEC 2: every page works on a phone 390 px wide without sideways scrolling (users open the
// console on the phone they are setting up, to copy the ActiveSync password).
test.use({ viewport: { width: 390, height: 844 } });

async function expectNoSidewaysScroll(page: Page, path: string) {
  await page.goto(path);
  await waitForHydration(page);
  const { scroll, width } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    width: document.documentElement.clientWidth,
  }));
  expect(scroll, `${path} is ${scroll} px wide on a ${width} px screen`).toBeLessThanOrEqual(width);
}

test('every page fits a 390 px wide phone', async ({ page, request }) => {
  const username = uniqueName('phone');
  const id = await createUserViaApi(request, {
    username, email: `${username}@example.it`, first: 'Piera', last: 'Telefono', password: 'phone-password-1',
  });
  const json = { headers: { Accept: 'application/json' } };
  const enabled = await request.post('/api/users/activesync', { form: { id: String(id), enabled: 'true' }, ...json });
  expect(enabled.ok()).toBeTruthy();
  await expectNoSidewaysScroll(page, '/login');
  // The user's own page with the ActiveSync block and its setup help open.
  await logIn(page, username, 'phone-password-1');
  await waitForHydration(page);
  await page.locator('details.device-setup summary').click();
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(wide, `/preferences with the setup help open is ${wide} px wide`).toBeLessThanOrEqual(390);
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await logIn(page, 'admin', ADMIN_PASSWORD);
  // A recurring event with an attendee, and an import with a skipped line, for their pages.
  const saved = await page.request.post('/api/calendar/save', {
    headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
    data: { id: null, at: null, form: {
      title: 'Riunione di reparto con un titolo piuttosto lungo', location: 'Sala riunioni al terzo piano',
      all_day: false, start_date: '2025-01-07', start_time: '09:00', end_date: '2025-01-07', end_time: '10:00',
      time_zone: 'Europe/Rome', repeat: { frequency: 'weekly', interval: 1, weekdays: [1, 3], ends: { kind: 'never' } },
      attendees: [{ name: 'Bruno Bianchi', email: 'bruno.bianchi@example.it', response: 'accepted' }],
    } },
  });
  expect(saved.ok(), await saved.text()).toBeTruthy();
  const event = await saved.json();
  const imported = await page.request.post('/contacts/import', {
    multipart: { file: { name: 'phone.vcf', mimeType: 'text/vcard', buffer: Buffer.from('BEGIN:VCARD\r\nVERSION:4.0\r\nbroken\r\nEND:VCARD\r\n') } },
    maxRedirects: 0,
  });
  const report = imported.headers()['location'];
  expect(report).toMatch(/^\/imports\/\d+$/);
  for (const path of ['/preferences', '/contacts', '/contacts/new', '/calendar?month=2025-01', '/calendar/agenda?from=2025-01-06',
    '/calendar/new', `/calendar/events/${event}`, `/calendar/events/${event}/edit`, report,
    '/admin/users', `/admin/users/${id}`, '/admin/settings', '/no/such/page']) {
    await expectNoSidewaysScroll(page, path);
  }
  // The header's links fold behind "Menu" (SPEC 2), which opens them.
  await page.goto('/preferences');
  await waitForHydration(page);
  await expect(page.locator('#main-menu')).toBeHidden();
  const contacts = page.getByRole('navigation', { name: 'main' }).getByRole('link', { name: 'Contacts' });
  const menu = page.getByRole('button', { name: 'Menu' });
  await expect(menu).toHaveAttribute('aria-expanded', 'false');
  await menu.click();
  await expect(menu).toHaveAttribute('aria-expanded', 'true');
  await contacts.click();
  await expect(page).toHaveURL(/\/contacts$/);
  // The sign-out button stays on the screen.
  const logout = page.getByRole('button', { name: 'Log out' });
  const box = await logout.boundingBox();
  expect(box && box.x + box.width).toBeLessThanOrEqual(390);
});
