// Page-load figures of the web dashboard from a warm Api, in Debian's headless Chromium, and the bundle's size.
// Usage (after a build; from the repository root): node bench/dashboard/load.js [runs]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEngine, newTenant, ingest } from '../../tests/hubs/engine.js';
import { launch } from '../../tests/browser/browser.js';

const here = dirname(fileURLToPath(import.meta.url));
const runs = Number(process.argv[2] ?? 7);
const dist = join(here, '../../Dashboard/dist/assets');
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

let raw = 0; let gzip = 0;
for (const file of readdirSync(dist).filter((f) => !f.endsWith('.map'))) {
  const bytes = readFileSync(join(dist, file));
  raw += statSync(join(dist, file)).size;
  gzip += gzipSync(bytes, { level: 9 }).length;
  console.log(`asset ${file}: ${bytes.length.toLocaleString('en')} B, ${gzipSync(bytes, { level: 9 }).length.toLocaleString('en')} B gzipped`);
}
console.log(`RESULT bundle: ${raw.toLocaleString('en')} B (${gzip.toLocaleString('en')} B gzipped), JavaScript and CSS`);

const engine = await startEngine();
const browser = await launch();
try {
  const tenant = await newTenant(engine);
  const now = new Date().toISOString();
  await ingest(engine, tenant, Array.from({ length: 50 }, (_, i) => [
    { id: `s${i}`, type: 'session_started', timestamp: now, sessionId: `s${i}`, channel: 'web', agentId: 'bot', user: { id: `u${i}` } },
    { id: `m${i}`, type: 'message_received', timestamp: now, sessionId: `s${i}`, message: { id: `m${i}`, format: 'text', text: `hello ${i}` } },
  ]).flat());
  const session = JSON.stringify({ accessToken: tenant.token, expiresAt: new Date(Date.now() + 3_600_000).toISOString(), tenant: tenant.id, user: { id: 'x', name: 'boss', role: 'admin' } });
  const form = []; const loaded = []; const figures = [];
  for (let r = 0; r <= runs; r++) {
    // The sign-in form: navigation to the form on screen.
    const page = await browser.page();
    const start = Date.now();
    await page.goto(engine.url);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const shown = Date.now() - start;
    const load = await page.evaluate(() => performance.getEntriesByType('navigation')[0].loadEventEnd);
    // Signed in: navigation to the first figures (hub connected, snapshot drawn).
    await page.evaluate((s) => sessionStorage.setItem('liveorleans.session', s), session);
    const again = Date.now();
    await page.reload();
    await page.locator('[data-metric="activeConversations"] .tile-value', { hasText: '50' }).waitFor();
    const drawn = Date.now() - again;
    await page.close();
    if (r === 0) continue; // the first load warms the Api and the browser's caches
    form.push(shown); loaded.push(load); figures.push(drawn);
    console.log(`load run ${r}: sign-in form on screen ${shown} ms (load event ${load.toFixed(0)} ms), signed-in figures on screen ${drawn} ms`);
  }
  console.log(`RESULT page load (median of ${runs}, warm Api, headless Chromium): sign-in form ${median(form)} ms, load event ${median(loaded).toFixed(0)} ms, live figures drawn ${median(figures)} ms`);
} finally {
  await browser.close();
  await engine.stop();
}
