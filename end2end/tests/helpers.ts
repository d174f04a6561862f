import { expect, type Page, type APIRequestContext } from '@playwright/test';
import { ADMIN_PASSWORD, SINK_URL } from '../playwright.config';

export { ADMIN_PASSWORD };

type Mail = { to: string[]; subject: string; text: string; html: string; at: number };

/** Every mail the SMTP sink received for `to`, oldest first. */
export async function mailsTo(request: APIRequestContext, to: string): Promise<Mail[]> {
  const res = await request.get(`${SINK_URL}/messages?to=${encodeURIComponent(to)}`);
  expect(res.ok()).toBeTruthy();
  return res.json();
}

/** Waits for a mail to `to` (sent after `since`, ms) whose text contains `needle`. */
export async function waitForMail(
  request: APIRequestContext,
  to: string,
  needle: string,
  since = 0,
): Promise<Mail> {
  let found: Mail | undefined;
  await expect
    .poll(async () => {
      found = (await mailsTo(request, to)).reverse().find((m) => m.at >= since && m.text.includes(needle));
      return found !== undefined;
    }, { message: `a mail to ${to} containing "${needle}"` })
    .toBe(true);
  return found!;
}

/** The six-digit code of the newest code mail to `to` containing `needle`, as a user reads it. */
export async function codeFromMail(
  request: APIRequestContext,
  to: string,
  needle: string,
  since = 0,
): Promise<string> {
  const mail = await waitForMail(request, to, needle, since);
  const code = mail.text.match(/\b(\d{6})\b/);
  expect(code, mail.text).not.toBeNull();
  return code![1];
}

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

/**
 * Creates a standard user through the server functions, as the admin does (with a one-time
 * password), then lets the user choose `password` as their own, as they must at their first
 * sign-in; leaves `request` signed in as the admin. Returns the user's id.
 */
export async function createUserViaApi(
  request: APIRequestContext,
  user: { username: string; email: string; first: string; last: string; password: string },
): Promise<number> {
  const json = { headers: { Accept: 'application/json' } };
  const asAdmin = async () => {
    const login = await request.post('/api/login', {
      form: { username: 'admin', password: ADMIN_PASSWORD }, ...json,
    });
    expect(login.ok(), await login.text()).toBeTruthy();
  };
  await asAdmin();
  const oneTime = `${user.password}-one-time`;
  const created = await request.post('/api/users/create', {
    form: {
      username: user.username,
      email: user.email,
      first_name: user.first,
      last_name: user.last,
      password: oneTime,
    },
    ...json,
  });
  expect(created.ok(), await created.text()).toBeTruthy();
  const id: number = await created.json();
  const first = await request.post('/api/login', { form: { username: user.username, password: oneTime }, ...json });
  expect(first.ok(), await first.text()).toBeTruthy();
  const chosen = await request.post('/api/me/choose-password', {
    form: { new_password: user.password, confirm_password: user.password }, ...json,
  });
  expect(chosen.ok(), await chosen.text()).toBeTruthy();
  await asAdmin();
  return id;
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

/** With SCREENSHOTS=1, saves the page as docs/<name>.png for the README. */
export async function docShot(page: Page, name: string) {
  if (process.env.SCREENSHOTS) {
    await page.screenshot({ path: `${__dirname}/../../docs/${name}.png`, fullPage: true });
  }
}

/** Answers the re-authentication dialog with `password` (no second factor). */
export async function confirmItIsYou(page: Page, password: string) {
  const dialog = page.getByRole('dialog', { name: 'You need to authenticate to continue' });
  await expect(dialog).toContainText('You need to authenticate to continue');
  await dialog.getByLabel('Enter your password').fill(password);
  await dialog.getByRole('button', { name: 'Verify' }).click();
  await expect(dialog).toBeHidden();
}
