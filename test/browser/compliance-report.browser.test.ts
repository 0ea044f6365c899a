// The compliance report as a person sees it: rendered to a file and opened in
// a real headless Chromium (Debian's, at /usr/bin/chromium; playwright-core
// never downloads a browser). Asserts what is visible, not what is in the
// markup, and saves full-page screenshots to test-artifacts/ for review.
// Without Chromium the test is skipped locally with a warning, and fails on CI.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComplianceReport } from '../../src/domain/compliance-report.ts';
import { renderComplianceReportHtml } from '../../src/reports/compliance-report-html.ts';
import { compliantReport, nonCompliantReport } from '../reports/compliance-fixtures.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');
const VIEWPORT = { width: 1280, height: 800 };
const generatedAt = new Date('2025-07-01T07:00:30Z');
const available = existsSync(CHROMIUM);
const onCi = !['', '0', 'false'].includes(process.env.CI ?? '');

if (!available && !onCi) {
  console.warn(
    `compliance-report browser test skipped: no Chromium at ${CHROMIUM} (install it with "apt-get install chromium"; on CI this test fails instead)`,
  );
}

describe('compliance report in a browser', () => {
  // On CI the browser tests run whatever happens: without Chromium they fail in beforeAll.
  describe.runIf(available || onCi)('headless Chromium', () => {
    let browser: Browser;
    let directory: string;

    beforeAll(async () => {
      if (!available) {
        throw new Error(
          `Chromium is required on CI but ${CHROMIUM} does not exist (apt-get install chromium)`,
        );
      }
      directory = await mkdtemp(join(tmpdir(), 'restorable-compliance-'));
      await mkdir(ARTIFACTS, { recursive: true });
      browser = await chromium.launch({
        executablePath: CHROMIUM,
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
    }, 15_000);

    afterAll(async () => {
      await browser?.close();
      if (directory !== undefined) await rm(directory, { recursive: true, force: true });
    });

    /** Opens the report's page; every request it makes is collected. */
    async function open(report: ComplianceReport, name: string): Promise<{ page: Page; requests: string[] }> {
      const file = join(directory, `${name}.html`);
      await writeFile(file, renderComplianceReportHtml(report, { generatedAt }));
      const page = await browser.newPage({ viewport: VIEWPORT });
      const requests: string[] = [];
      page.on('request', (request) => {
        requests.push(request.url());
      });
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      return { page, requests };
    }

    it('shows a non-compliant report so that a person sees the verdict and every control', async () => {
      const { page, requests } = await open(nonCompliantReport, 'non-compliant');
      try {
        // The verdict, in the first screen.
        const verdict = page.getByRole('heading', { level: 1 });
        await expect(verdict.textContent()).resolves.toBe('NON-COMPLIANT');
        expect(await verdict.isVisible()).toBe(true);
        const verdictBox = await verdict.boundingBox();
        expect(verdictBox).not.toBeNull();
        expect((verdictBox?.y ?? Infinity) + (verdictBox?.height ?? 0)).toBeLessThanOrEqual(VIEWPORT.height);
        expect(await page.getByText('3 passed, 3 failed').isVisible()).toBe(true);

        // The control table starts in the first screen too, and every control title is visible.
        const table = page.locator('#controls ~ .controls table');
        const tableBox = await table.boundingBox();
        expect(tableBox?.y ?? Infinity).toBeLessThan(VIEWPORT.height);
        for (const control of nonCompliantReport.controls) {
          expect(await table.getByText(control.title, { exact: true }).isVisible(), control.title).toBe(true);
        }

        // The pictures are drawn.
        const grid = page.locator('svg.coverage-grid');
        expect(await grid.isVisible()).toBe(true);
        const gridBox = await grid.boundingBox();
        expect(gridBox?.width ?? 0).toBeGreaterThan(600);
        expect(gridBox?.height ?? 0).toBeGreaterThan(60);
        expect(await grid.locator('g.cell').count()).toBe(3 * 30);
        const cellBox = await grid.locator('g.cell-missing').first().boundingBox();
        expect(cellBox?.width ?? 0).toBeGreaterThan(8);

        const trend = page.locator('svg.trend').first();
        expect(await trend.isVisible()).toBe(true);
        const trendBox = await trend.boundingBox();
        expect(trendBox?.width ?? 0).toBeGreaterThan(200);
        expect(trendBox?.height ?? 0).toBeGreaterThan(80);
        expect(await page.locator('svg.trend').count()).toBe(4);
        expect(
          await page.getByText(/No restore drill of\s*catalog finished in this period/).isVisible(),
        ).toBe(true);

        // The integrity warning is there for a reader to see.
        expect(await page.getByText('Evidence was altered', { exact: true }).isVisible()).toBe(true);

        // Nothing but the file itself was loaded.
        expect(requests.length).toBeGreaterThan(0);
        expect(requests.filter((url) => !url.startsWith('file:'))).toEqual([]);

        await page.screenshot({ path: join(ARTIFACTS, 'compliance-report.png'), fullPage: true });
      } finally {
        await page.close();
      }
    });

    it('shows a compliant report as COMPLIANT', async () => {
      const { page, requests } = await open(compliantReport, 'compliant');
      try {
        const verdict = page.getByRole('heading', { level: 1 });
        await expect(verdict.textContent()).resolves.toBe('COMPLIANT');
        expect(await verdict.isVisible()).toBe(true);
        expect((await verdict.boundingBox())?.y ?? Infinity).toBeLessThan(VIEWPORT.height);
        expect(await page.locator('svg.trend').count()).toBe(6);
        expect(requests.filter((url) => !url.startsWith('file:'))).toEqual([]);
        await page.screenshot({ path: join(ARTIFACTS, 'compliance-report-compliant.png'), fullPage: true });
      } finally {
        await page.close();
      }
    });
  });
});
