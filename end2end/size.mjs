// `make size`: what a browser downloads, brotli-compressed (quality 11, as a server would
// precompress), for the whole site and per route. Reads the release build in target/site/pkg;
// with `--split`, a route needs the main module, its split and the chunks the split manifest
// lists for it. Prints a table; exits non-zero past the budgets of SPEC 5 / issue 11.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const pkg = path.resolve(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 'target/site/pkg');
const BUDGET_ROUTE = 250 * 1000;
const BUDGET_TOTAL = 400 * 1000;

const brotli = (file) =>
  zlib.brotliCompressSync(fs.readFileSync(path.join(pkg, file)), {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 },
  }).length;

const files = fs.readdirSync(pkg).filter((f) => f.endsWith('.wasm') || f.endsWith('.js'));
const size = Object.fromEntries(files.map((f) => [f, brotli(f)]));
const main = ['syncgate.wasm', 'syncgate.js'].filter((f) => size[f] !== undefined);
const loader = files.filter((f) => f.startsWith('__wasm_split') && f.endsWith('.js'));

// The manifest maps a split's name to the chunks it needs besides its own file.
const manifestFile = path.join(pkg, '__wasm_split_manifest.json');
const manifest = fs.existsSync(manifestFile) ? JSON.parse(fs.readFileSync(manifestFile, 'utf8')) : {};
// Each entry lists every file the split needs, its own included.
const needs = (name) => (manifest[name] ?? []).map((c) => `${c}.wasm`).filter((f) => size[f] !== undefined);

// The routes and the lazy split each one loads (none: everything is in the main module).
const routes = [
  ['/login', null],
  ['/preferences', 'account_pages'],
  ['/two-factor/setup', 'account_pages'],
  ['/password/choose', 'account_pages'],
  ['/admin/users', 'admin_pages'],
  ['/admin/users/:id', 'admin_pages'],
  ['/admin/settings', 'admin_pages'],
  // The lists, the month and the agenda are rendered on the server: only the main module.
  ['/contacts', null],
  ['/calendar', null],
  // The forms and the delete controls are the contacts' and calendar's lazy group.
  ['/contacts/:id', 'pim_pages'],
  ['/calendar/new', 'pim_pages'],
];
const kb = (n) => `${(n / 1000).toFixed(1)} KB`;
let failed = false;
console.log('route                 brotli      files');
for (const [route, split] of routes) {
  const splitName = split && Object.keys(manifest).find((k) => k.startsWith(`${split}_loader_`));
  const extra = splitName ? needs(splitName) : [];
  const all = [...new Set([...main, ...loader, ...extra])];
  const total = all.reduce((n, f) => n + (size[f] ?? 0), 0);
  const over = (route === '/login' || route === '/preferences') && total > BUDGET_ROUTE;
  failed ||= over;
  console.log(`${route.padEnd(21)} ${kb(total).padStart(9)}   ${all.length} file(s)${over ? '  OVER 250 KB' : ''}`);
}
const whole = Object.values(size).reduce((a, b) => a + b, 0);
console.log(`${'everything'.padEnd(21)} ${kb(whole).padStart(9)}   ${files.length} file(s)${whole > BUDGET_TOTAL ? '  OVER 400 KB' : ''}`);
failed ||= whole > BUDGET_TOTAL;
if (process.argv.includes('--verbose')) {
  for (const f of files.sort()) console.log(`  ${f.padEnd(60)} ${kb(size[f]).padStart(9)}`);
}
process.exit(failed ? 1 : 0);
