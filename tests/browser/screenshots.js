// Takes the screenshots in docs/screenshots/ from a demo run: both views, the wall screen and a conversation's detail
// with guidance sent and the Take over dialog open. Usage (after a build): node tests/browser/screenshots.js
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEngine, PLATFORM_PASSWORD } from '../hubs/engine.js';
import { launch, signIn } from './browser.js';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '../../docs/screenshots');
mkdirSync(out, { recursive: true });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The demo plays the simulator into the bootstrap tenant (here "platform", whose admin is "admin").
const engine = await startEngine({}, undefined, ['--demo']);
const browser = await launch();
try {
  const page = await browser.page();
  await signIn(page, engine.url, 'platform', 'admin', PLATFORM_PASSWORD);
  await page.locator('.summary').waitFor();
  await sleep(20_000); // a few minutes of conversations would be nicer; twenty seconds of demo traffic fill the views
  await page.screenshot({ path: join(out, 'live-monitoring.png') });
  await page.getByRole('link', { name: 'Live Conversations' }).click();
  await page.locator('.card').first().waitFor();
  await sleep(3000);
  await page.screenshot({ path: join(out, 'live-conversations.png') });
  await page.locator('.card button').first().click();
  await page.locator('.detail .transcript .message').first().waitFor();
  await sleep(3000);
  // A private note to the agent first (shown in the timeline as guidance), then the Take over dialog, open.
  await page.locator('.controls button', { hasText: 'Guide' }).click();
  await page.locator('dialog[open]').getByLabel('Guidance').fill('Offer the loyalty discount before a refund.');
  await page.locator('dialog[open]').getByLabel('Reason').fill('Customer is a long-time subscriber');
  await page.locator('dialog[open]').getByRole('button', { name: 'Send guidance' }).click();
  await page.locator('dialog[open]').waitFor({ state: 'detached' }).catch(() => {});
  await sleep(2000);
  await page.locator('.controls button', { hasText: 'Take over' }).click();
  await page.locator('dialog[open]').getByLabel('Reason').fill('Customer asked for a person');
  await page.screenshot({ path: join(out, 'conversation-detail.png') });
  await page.locator('dialog[open]').getByRole('button', { name: 'Cancel' }).click();
  await page.goto(`${engine.url}/#/wall`);
  await page.locator('.monitoring.wall').waitFor();
  await sleep(2000);
  await page.screenshot({ path: join(out, 'wall-screen.png') });
  console.log(`screenshots in ${out}`);
} finally {
  await browser.close();
  await engine.stop();
}
