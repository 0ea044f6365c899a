// The compliance report as a person sees it: rendered to a file and opened in
// a real headless Chromium (see test/support/chromium.ts). Asserts what is
// visible, not what is in the markup, and saves full-page screenshots to
// test-artifacts/ for review.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComplianceReport } from '../../src/domain/compliance-report.ts';
import { renderComplianceReportHtml } from '../../src/reports/compliance-report-html.ts';
import { compliantReport, newlyProtectedReport, nonCompliantReport } from '../reports/compliance-fixtures.ts';
import {
  ARTIFACTS,
  launchChromium,
  openPage,
  runBrowserTests,
  VIEWPORT,
  visibleText,
  warnIfSkipped,
} from '../support/chromium.ts';

const generatedAt = new Date('2025-07-01T07:00:30Z');

warnIfSkipped('compliance-report');

describe('compliance report in a browser', () => {
  describe.runIf(runBrowserTests)('headless Chromium', () => {
    let browser: Browser;
    let directory: string;

    beforeAll(async () => {
      directory = await mkdtemp(join(tmpdir(), 'restorable-compliance-'));
      browser = await launchChromium();
    }, 15_000);

    afterAll(async () => {
      await browser?.close();
      if (directory !== undefined) await rm(directory, { recursive: true, force: true });
    });

    const open = (report: ComplianceReport, name: string): Promise<{ page: Page; requests: string[] }> =>
      openPage(browser, directory, name, renderComplianceReportHtml(report, { generatedAt }));

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

    it('shows the days before a database was protected as such, counts database-days, and charts restores of seconds off the baseline', async () => {
      const { page, requests } = await open(newlyProtectedReport, 'newly-protected');
      try {
        const text = await visibleText(page);
        expect(text).toContain('Not yet protected (out of scope): 17 database-days');
        expect(text).toContain('Backup and every copy (eu-west-1, eu-north-1): 73 database-days');
        expect(text).toContain('catalog not yet protected on 2025-06-01 to 2025-06-17');
        expect(text).not.toMatch(/: \d+ days\b/);
        expect(await page.locator('svg.coverage-grid g.cell-not-protected').count()).toBe(17);

        // Every drill's point is drawn clear of the baseline, and under the target line.
        const charts = await page.locator('svg.trend').evaluateAll((svgs) =>
          svgs.map((svg) => {
            const lines = [...svg.querySelectorAll('line')];
            const baseline = lines.find(
              (line) =>
                line.getAttribute('stroke') === '#8c959f' &&
                line.getAttribute('y1') === line.getAttribute('y2'),
            );
            const centre = (
              element: { getBoundingClientRect(): { y: number; height: number } } | null | undefined,
            ): number => {
              const box = element?.getBoundingClientRect();
              return box === undefined ? Number.NaN : box.y + box.height / 2;
            };
            return {
              baseline: centre(baseline),
              target: centre(svg.querySelector('line.target')),
              points: [...svg.querySelectorAll('g.point-pass circle')].map(centre),
            };
          }),
        );
        expect(charts).toHaveLength(6);
        for (const chart of charts) {
          expect(chart.points.length).toBeGreaterThan(0);
          for (const y of chart.points) {
            expect(chart.baseline - y).toBeGreaterThan(10);
            expect(y - chart.target).toBeGreaterThan(10);
          }
        }
        expect(requests.filter((url) => !url.startsWith('file:'))).toEqual([]);
        await page.screenshot({
          path: join(ARTIFACTS, 'compliance-report-newly-protected.png'),
          fullPage: true,
        });
        await page
          .locator('section[aria-labelledby="coverage"] figure')
          .screenshot({ path: join(ARTIFACTS, 'compliance-report-newly-protected-coverage.png') });
        await page
          .locator('.trend-db')
          .first()
          .screenshot({ path: join(ARTIFACTS, 'compliance-report-newly-protected-trends.png') });
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
