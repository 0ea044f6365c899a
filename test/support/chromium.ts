// Debian's Chromium (at /usr/bin/chromium), driven by playwright-core, which
// never downloads a browser. The browser tests open the reports in it as a
// person would, and keep screenshots in test-artifacts/ for review. Without
// Chromium they are skipped locally with a warning, and fail on CI.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');
export const VIEWPORT = { width: 1280, height: 800 };
export const chromiumAvailable = existsSync(CHROMIUM);
const onCi = !['', '0', 'false'].includes(process.env.CI ?? '');
/** On CI the browser tests run whatever happens: without Chromium they fail in `launchChromium`. */
export const runBrowserTests = chromiumAvailable || onCi;

export function warnIfSkipped(what: string): void {
  if (!runBrowserTests) {
    console.warn(
      `${what} browser test skipped: no Chromium at ${CHROMIUM} (install it with "apt-get install chromium"; on CI this test fails instead)`,
    );
  }
}

export async function launchChromium(): Promise<Browser> {
  if (!chromiumAvailable) {
    throw new Error(`Chromium is required on CI but ${CHROMIUM} does not exist (apt-get install chromium)`);
  }
  await mkdir(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    // Without the background-networking flags its connections are refused by the closed network.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Writes the page to `directory` and opens it; every request it makes is collected. */
export async function openPage(
  browser: Browser,
  directory: string,
  name: string,
  content: string,
): Promise<{ page: Page; requests: string[] }> {
  const file = join(directory, `${name}.html`);
  await writeFile(file, content);
  const page = await browser.newPage({ viewport: VIEWPORT });
  const requests: string[] = [];
  page.on('request', (request) => {
    requests.push(request.url());
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page, requests };
}

/** The page's text as rendered (what a person reads), with runs of white space as one space. */
export async function visibleText(page: Page): Promise<string> {
  return (await page.locator('body').innerText()).replace(/\s+/g, ' ');
}

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Whether two rendered boxes share any pixel. */
export function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}
