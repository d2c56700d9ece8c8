// Drives the web demo in headless Chromium: two users sign in (dev mode), alice opens a direct
// conversation with bob, both chat, bob sees alice typing, bob replies to a message.
// Usage: node web-demo.mjs <server base URL> <screenshot path>
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [base, screenshot] = process.argv.slice(2);
if (!base || !screenshot) {
  console.error('usage: node web-demo.mjs <base URL> <screenshot path>');
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const profile = mkdtempSync(join(tmpdir(), 'parley-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  viewport: { width: 1000, height: 620 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const TIMEOUT = 15000;
context.setDefaultTimeout(TIMEOUT);

async function signIn(page, user) {
  page.on('pageerror', (e) => console.error(user + ' page error: ' + e.message));
  await page.goto(base + '/');
  await page.fill('#dev-user', user);
  await page.click('#dev-form button');
  await page.waitForSelector('#app:not([hidden])');
  await page.waitForFunction((u) => document.getElementById('me-name').textContent === u, user);
}

const messageBody = (text) => `.msg .body:text-is("${text}")`;

try {
  // Separate pages share the profile's cookies, but the demo keeps its token in memory only.
  const bob = await context.newPage();
  await signIn(bob, 'bob');
  const alice = await context.newPage();
  await signIn(alice, 'alice');

  await alice.fill('#new-ids', 'bob');
  await alice.click('#new-direct');
  await alice.waitForSelector('#conversations li.active');
  await alice.waitForFunction(() => document.getElementById('chat-title').textContent === 'bob');

  // bob gets the new conversation live and opens it.
  await bob.waitForSelector('#conversations li');
  await bob.click('#conversations li');
  await bob.waitForFunction(() => document.getElementById('chat-title').textContent === 'alice');
  // Presence: each sees the other online.
  await alice.waitForSelector('#conversations li .dot.online');
  await bob.waitForSelector('#conversations li .dot.online');

  await alice.type('#message', 'Hello Bob', { delay: 30 });
  await bob.waitForFunction(() => document.getElementById('typing').textContent === 'alice is typing…');
  await alice.press('#message', 'Enter');
  await bob.waitForSelector(messageBody('Hello Bob'));
  await bob.waitForFunction(() => document.getElementById('typing').textContent === '');

  await bob.type('#message', 'Hi Alice! Welcome to Parley.', { delay: 10 });
  await alice.waitForFunction(() => document.getElementById('typing').textContent === 'bob is typing…');
  await bob.press('#message', 'Enter');
  await alice.waitForSelector(messageBody('Hi Alice! Welcome to Parley.'));

  // A reply quotes the message it answers, on both sides.
  await bob.click('.msg:has(.body:text-is("Hello Bob")) .reply');
  await bob.type('#message', 'Replying to your first message.');
  await bob.press('#message', 'Enter');
  await alice.waitForSelector('.msg:has(.body:text-is("Replying to your first message.")) .quote:text-is("Hello Bob")');

  // The screenshot shows alice's side while bob types.
  await bob.type('#message', 'Sounds good');
  await alice.waitForFunction(() => document.getElementById('typing').textContent === 'bob is typing…');
  await alice.screenshot({ path: screenshot });

  // Older messages load on scroll: after 35 more messages, a fresh sign-in shows the newest page
  // only, and scrolling up brings back the first message. The sends keep under the server's default
  // limit of 10 messages per second (burst 20): a fast machine typed them faster than that, and
  // the last ones were refused with RATE_LIMITED.
  await bob.fill('#message', '');
  for (let i = 1; i <= 35; i++) {
    await bob.fill('#message', 'Filler ' + i);
    await bob.press('#message', 'Enter');
    await bob.waitForTimeout(110);
  }
  await bob.waitForSelector(messageBody('Filler 35'));
  const again = await context.newPage();
  await signIn(again, 'alice');
  await again.click('#conversations li');
  await again.waitForSelector(messageBody('Filler 35'));
  if (await again.locator(messageBody('Hello Bob')).count() !== 0) throw new Error('the first page holds every message');
  await again.evaluate(() => { document.getElementById('messages').scrollTop = 0; });
  await again.waitForSelector(messageBody('Hello Bob'));
  console.log('web demo: OK');
} catch (e) {
  console.error('web demo: FAILED: ' + (e && e.stack || e));
  process.exitCode = 1;
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
