import { test, expect } from '@playwright/test';
import { ADMIN_PASSWORD, confirmItIsYou, createUserViaApi, logIn, uniqueName, markDocument, expectSameDocument, waitForHydration } from './helpers';

test('admin signs in with the first password and sees their preferences', async ({ page }) => {
  await logIn(page, 'admin', ADMIN_PASSWORD);
  await expect(page.getByRole('heading', { name: 'Preferences', level: 1 })).toBeVisible();
  const block = page.getByRole('region', { name: 'Role and login' });
  await expect(block).toBeVisible();
  await expect(block.getByRole('definition').first()).toHaveText('admin');
  await expect(block).toContainText('Administrator');
  await expect(page.getByRole('navigation', { name: 'main' }).getByRole('link', { name: 'Users' })).toBeVisible();
});

test('admin creates a user, who then appears in the searchable list', async ({ page }) => {
  const username = uniqueName('mario');
  await logIn(page, 'admin', ADMIN_PASSWORD);
  await page.getByRole('link', { name: 'Users' }).click();
  await expect(page).toHaveURL(/\/admin\/users$/);
  await waitForHydration(page);

  const form = page.getByRole('form', { name: 'Create user' });
  await form.getByLabel('Username').fill(username);
  await form.getByLabel('Email').fill(`${username}@example.it`);
  await form.getByLabel('First name').fill('Mario');
  await form.getByLabel('Last name').fill('Rossi');
  await form.getByLabel('Initial password').fill('mario-password-1');
  await form.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'User created.' })).toBeVisible();

  const table = page.getByRole('table');
  await expect(table.getByRole('link', { name: username })).toBeVisible();

  // Searching asks the server as one types: the document is not reloaded.
  await markDocument(page);
  await page.getByLabel('Search users').fill(username);
  await expect(table.getByRole('row')).toHaveCount(2); // header + the match
  await page.getByLabel('Search users').fill('no-such-user-xyz');
  await expect(page.getByText('No user matches your search.')).toBeVisible();
  await expectSameDocument(page);

  // The user's own admin page.
  await page.getByLabel('Search users').fill(username);
  await table.getByRole('link', { name: username }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(username);
  await expect(page.getByRole('region', { name: 'Role and login' })).toContainText(`${username}@example.it`);
});

test('a bad field is reported beside it and nothing is created', async ({ page }) => {
  await logIn(page, 'admin', ADMIN_PASSWORD);
  await page.goto('/admin/users');
  await waitForHydration(page);
  const form = page.getByRole('form', { name: 'Create user' });
  const username = uniqueName('bad');
  await form.getByLabel('Username').fill(username);
  await form.getByLabel('Email').fill(`${username}@example.it`);
  await form.getByLabel('Initial password').fill('short1');
  // Bypass the browser's own checks to see the server's answer.
  await form.evaluate((f: HTMLFormElement) => (f.noValidate = true));
  await form.getByRole('button', { name: 'Create' }).click();
  const password = form.getByLabel('Initial password');
  await expect(password).toHaveAttribute('aria-invalid', 'true');
  await expect(form.getByRole('alert')).toHaveText('The password must have at least 10 characters.');
  await expect(page.getByRole('table').getByRole('link', { name: username })).toHaveCount(0);
});

test('admin deactivates and reactivates a user', async ({ page }) => {
  const username = uniqueName('temp');
  await logIn(page, 'admin', ADMIN_PASSWORD);
  await page.goto('/admin/users');
  await waitForHydration(page);
  const form = page.getByRole('form', { name: 'Create user' });
  await form.getByLabel('Username').fill(username);
  await form.getByLabel('Email').fill(`${username}@example.it`);
  await form.getByLabel('Initial password').fill('temp-password-1');
  await form.getByRole('button', { name: 'Create' }).click();
  await page.getByRole('table').getByRole('link', { name: username }).click();
  await waitForHydration(page);

  await page.getByRole('button', { name: 'Deactivate' }).click();
  // Weakening an account asks for the admin's own password first, then goes on by itself.
  await confirmItIsYou(page, ADMIN_PASSWORD);
  await expect(page.getByRole('status').filter({ hasText: 'deactivated' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Role and login' })).toContainText('Inactive');
  await page.getByRole('button', { name: 'Reactivate' }).click();
  await expect(page.getByRole('region', { name: 'Role and login' })).toContainText('Active');
});

test('admin resets a login password, shown once; the user must change it at the next sign-in', async ({ page, request, browser }) => {
  const username = uniqueName('reset');
  const id = await createUserViaApi(request, {
    username, email: `${username}@example.it`, first: 'Rita', last: 'Reset', password: 'reset-password-1',
  });
  await logIn(page, 'admin', ADMIN_PASSWORD);
  await page.goto(`/admin/users/${id}`);
  await waitForHydration(page);
  const block = page.getByRole('region', { name: 'Reset login password' });
  await expect(block).toContainText('The user must choose a new password at their next sign-in');
  // Left empty: one is made up. Resetting asks who the admin is first, then goes on.
  await block.getByRole('button', { name: 'Reset login password' }).click();
  await confirmItIsYou(page, ADMIN_PASSWORD);
  await expect(block.getByRole('status')).toHaveText('Login password reset. Give it to the user: they will change it at their next sign-in.');
  const made = await block.getByLabel('The new login password (shown only now)').inputValue();
  expect(made).toHaveLength(16);
  await expect(page.getByRole('region', { name: 'Audit trail' })).toContainText('Login password reset');
  // Shown once: a reload does not show it again.
  await page.reload();
  await expect(page.getByRole('region', { name: 'Reset login password' }).getByLabel('The new login password (shown only now)')).toHaveCount(0);

  // The user signs in with it and must choose their own before anything else.
  const context = await browser.newContext();
  const user = await context.newPage();
  await user.goto('/login');
  await user.getByLabel('Username').fill(username);
  await user.getByLabel('Password').fill(made);
  await user.getByRole('button', { name: 'Sign in' }).click();
  await expect(user.getByRole('heading', { name: 'Choose your password' })).toBeVisible();
  await context.close();
});

test('admin corrects a user\'s email address', async ({ page, request }) => {
  const username = uniqueName('mail');
  const id = await createUserViaApi(request, {
    username, email: `${username}@example.it`, first: 'Emma', last: 'Mail', password: 'mail-password-1',
  });
  await logIn(page, 'admin', ADMIN_PASSWORD);
  await page.goto(`/admin/users/${id}`);
  await waitForHydration(page);
  const block = page.getByRole('region', { name: 'Email address' });
  // The browser lets "emma@localhost" through; the server wants a domain with a dot.
  await block.getByRole('textbox', { name: 'Email' }).fill('emma@localhost');
  await block.getByRole('button', { name: 'Save' }).click();
  await confirmItIsYou(page, ADMIN_PASSWORD);
  await expect(block.getByRole('textbox', { name: 'Email' })).toHaveAttribute('aria-invalid', 'true');
  await block.getByRole('textbox', { name: 'Email' }).fill(`${username}@example.org`);
  await block.getByRole('button', { name: 'Save' }).click();
  await expect(block.getByText('Email address saved.')).toBeVisible();
  await expect(page.getByRole('region', { name: 'Role and login' })).toContainText(`${username}@example.org`);
  await expect(page.getByRole('region', { name: 'Audit trail' })).toContainText('Email address changed');
});
