import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUnconnectedApp } from '../src/api/document.js';
import type { OpenApiDocument } from '../src/api/openapi.js';
import { serveApp } from './support/env.js';

// The API reference at /docs, in a real browser that may reach nothing but this service: the
// page, its script and the document all come from here, and every route is listed.

const CHROMIUM = '/usr/bin/chromium';

let http: Awaited<ReturnType<typeof serveApp>>;
let browser: Browser | undefined;

beforeAll(async () => {
  // every route the service has; the reference reads no data, so nothing is connected
  http = await serveApp(createUnconnectedApp());
});

afterAll(async () => {
  await browser?.close();
  await http?.close();
});

const normalize = (s: string) => s.replace(/\s+/g, ' ').trim();

describe('the API reference at /docs', () => {
  it('loads with no request leaving the machine and lists every route', async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `no Chromium at ${CHROMIUM}: run \`apt-get install chromium\` (.ci/run does it when missing)`,
      );
    const doc = (await (await fetch(`${http.url}/openapi.json`)).json()) as OpenApiDocument;

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const local: string[] = [];
    const blocked: string[] = [];
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (['127.0.0.1', 'localhost'].includes(url.hostname)) {
        local.push(url.pathname);
        return route.continue();
      }
      blocked.push(url.href);
      return route.abort('blockedbyclient');
    });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));

    await page.goto(`${http.url}/docs`);
    const sidebar = page.getByRole('navigation');
    const tags = (doc.tags ?? []).map((t) => t.name);
    const groupButton = (tag: string) =>
      sidebar.locator('button').filter({ has: page.getByText(tag, { exact: true }) });
    await groupButton(tags.at(-1)!)
      .waitFor({ timeout: 30_000 })
      .catch((err: Error) => {
        throw new Error(
          `the reference never showed its tags (requests blocked: ${blocked.join(', ') || 'none'}): ${err.message}`,
        );
      });

    // open every tag's group; each operation's summary must be listed under it
    const summaries = new Map<string, string[]>();
    for (const [path, item] of Object.entries(doc.paths ?? {})) {
      for (const [method, op] of Object.entries(item as Record<string, any>)) {
        for (const tag of op.tags) {
          summaries.set(tag, [
            ...(summaries.get(tag) ?? []),
            `${method.toUpperCase()} ${path}: ${op.summary}`,
          ]);
        }
      }
    }
    expect([...summaries.keys()].sort()).toEqual([...tags].sort());
    for (const tag of tags) {
      const group = groupButton(tag);
      if ((await group.getAttribute('aria-expanded')) !== 'true') await group.click();
      await expect.poll(() => group.getAttribute('aria-expanded')).toBe('true');
      // biome-ignore lint/performance/useDomNodeTextContent: what is shown, not what the DOM holds
      const listed = normalize(await sidebar.innerText());
      for (const entry of summaries.get(tag)!) {
        const summary = normalize(entry.slice(entry.indexOf(': ') + 2));
        expect(listed, `${tag}: ${entry}`).toContain(summary);
      }
    }
    // and the routes themselves, with their paths, once a tag is shown
    await page.getByText('/api/v1/messages/sync', { exact: true }).first().waitFor({ timeout: 10_000 });

    expect(blocked).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(local).toContain('/docs/scalar.js');
    expect(local).toContain('/openapi.json');
  });
});
