// Opens an invite link in Debian's chromium (headless, driven by playwright-core), checks the page, fills in the
// full name, clicks Join and prints what the result page says as one JSON line. Exit 0 only when the page said
// the person joined. Usage: node join_invite.mjs LINK FULLNAME   (CHROMIUM: the browser, default /usr/bin/chromium)
import { chromium } from 'playwright-core';

const [link, fullname] = process.argv.slice(2);
if (!link || !fullname) {
  console.error('usage: join_invite.mjs LINK FULLNAME');
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  // root in CI has no user namespaces for chromium's sandbox; the page is our own, on loopback.
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  timeout: 30000,
});
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(15000);
  const response = await page.goto(link);
  if (!response || response.status() !== 200) throw new Error(`GET ${link}: ${response && response.status()}`);
  const heading = await page.getByRole('heading', { level: 1 }).textContent();
  // The field is reachable by its label, as a screen reader finds it.
  await page.getByLabel('Full name').fill(fullname);
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Join' }).click()]);
  const status = await page.getByRole('status').textContent();
  console.log(JSON.stringify({ heading, title: await page.title(), status }));
} finally {
  await browser.close();
}
