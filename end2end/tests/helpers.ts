import { expect, type Page, type APIRequestContext } from '@playwright/test';
import { ADMIN_PASSWORD } from '../playwright.config';

export { ADMIN_PASSWORD };

let counter = 0;
/** A username no other test uses. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}${Date.now().toString(36)}${counter}`;
}

/** Signs in through the login form, as a person would. */
export async function logIn(page: Page, username: string, password: string) {
  await page.goto('/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/preferences$/);
}

/** Creates a standard user through the server functions, signed in as the admin. */
export async function createUserViaApi(
  request: APIRequestContext,
  user: { username: string; email: string; first: string; last: string; password: string },
) {
  const login = await request.post('/api/login', {
    form: { username: 'admin', password: ADMIN_PASSWORD },
    headers: { Accept: 'application/json' },
  });
  expect(login.ok()).toBeTruthy();
  const created = await request.post('/api/users/create', {
    form: {
      username: user.username,
      email: user.email,
      first_name: user.first,
      last_name: user.last,
      password: user.password,
    },
    headers: { Accept: 'application/json' },
  });
  expect(created.ok(), await created.text()).toBeTruthy();
}

/** Marks the current document; if the mark survives an action, there was no full reload. */
export async function markDocument(page: Page) {
  await page.evaluate(() => ((window as any).__sgMark = 'still-here'));
}
export async function expectSameDocument(page: Page) {
  expect(await page.evaluate(() => (window as any).__sgMark)).toBe('still-here');
}

/** Waits until the WebAssembly has taken over the page. */
export async function waitForHydration(page: Page) {
  await page.locator('body[data-hydrated="true"]').waitFor();
}
