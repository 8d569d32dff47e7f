import fs from 'node:fs';
import type { Server } from 'node:http';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../build.mjs';
import { serve } from '../serve.mjs';
import type { DemoResult } from '../src/main.js';

// Debian's chromium (apt-get install chromium); CHROMIUM_PATH points elsewhere. Without one the suite is skipped,
// loudly: playwright-core never downloads a browser.
const executablePath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const haveChromium = fs.existsSync(executablePath);
if (!haveChromium) {
  console.warn(`\n  SKIPPED the browser example's test: no Chromium at ${executablePath} (apt-get install chromium, or set CHROMIUM_PATH)\n`);
}

describe.skipIf(!haveChromium)('the browser example in headless Chromium', () => {
  let server: Server;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    const dist = await build();
    server = await serve(dist);
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the server has no port');
    origin = `http://127.0.0.1:${address.port}`;
    // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('runs SimCLR augmentations and k-NN probes on the wasm backend, with no errors and no leaks', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      // A failed request is reported above, with its address.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(`console error: ${message.text()}`);
    });
    page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
    });
    const wasmRequests: string[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('.wasm')) wasmRequests.push(new URL(request.url()).pathname);
    });

    await page.goto(`${origin}/`);
    await page.waitForFunction(() => window.selfsupDemo !== undefined, undefined, { timeout: 90_000 });
    const outcome = await page.evaluate(() => window.selfsupDemo!);
    if (!outcome.ok) throw new Error(`the page failed: ${outcome.error}`);
    const result: DemoResult = outcome.result;

    expect(problems).toEqual([]);
    expect(result.backend).toBe('wasm');
    // tfjs fetched its binary from the page's own folder (setWasmPaths), not from a CDN.
    expect(wasmRequests.length).toBeGreaterThan(0);
    expect(wasmRequests.every((p) => /^\/tfjs-backend-wasm[-a-z]*\.wasm$/.test(p))).toBe(true);
    expect(result.viewShape).toEqual([4, 24, 24, 3]);
    expect(await page.locator('#views canvas').count()).toBe(12);
    // Three pattern classes, chance 1/3. Raw pixels separate them (one hue per image, fixed contrast); an untrained
    // conv net with global pooling keeps less of the orientation, but still more than chance (everything is seeded).
    expect(Object.keys(result.knn)).toEqual(['raw pixels', 'random conv net']);
    expect(result.knn['raw pixels']).toBeGreaterThan(0.8);
    expect(result.knn['random conv net']).toBeGreaterThan(0.4);
    expect(result.leakedTensors).toBe(0);
    console.log(`browser example: ${JSON.stringify(result.knn)} in ${result.seconds.toFixed(1)} s`);
    await page.close();
  });
});
