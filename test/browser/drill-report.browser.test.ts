// Drill reports as a person sees them, in a real headless Chromium (see
// test/support/chromium.ts): the text as rendered, the timeline's labels where
// they are drawn, and full-page screenshots in test-artifacts/ for review.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DrillReport } from '../../src/domain/drill.ts';
import { renderDrillReportHtml } from '../../src/reports/drill-report-html.ts';
import { fastDrill, restoreError, restoreFailedDrill } from '../reports/fixtures.ts';
import {
  ARTIFACTS,
  launchChromium,
  openPage,
  overlaps,
  runBrowserTests,
  visibleText,
  warnIfSkipped,
} from '../support/chromium.ts';

const generatedAt = new Date('2026-11-22T12:00:30Z');

warnIfSkipped('drill-report');

describe('drill report in a browser', () => {
  describe.runIf(runBrowserTests)('headless Chromium', () => {
    let browser: Browser;
    let directory: string;

    beforeAll(async () => {
      directory = await mkdtemp(join(tmpdir(), 'restorable-drill-'));
      browser = await launchChromium();
    }, 15_000);

    afterAll(async () => {
      await browser?.close();
      if (directory !== undefined) await rm(directory, { recursive: true, force: true });
    });

    const open = (report: DrillReport, name: string): Promise<{ page: Page; requests: string[] }> =>
      openPage(browser, directory, name, renderDrillReportHtml(report, { generatedAt }));

    it('shows a passing drill restored in seconds: the timeline labels apart, the copy named as a copy', async () => {
      const { page, requests } = await open(fastDrill, 'drill-pass');
      try {
        const verdict = page.getByRole('heading', { level: 1 });
        await expect(verdict.textContent()).resolves.toBe('PASS');
        const text = await visibleText(page);
        expect(text).toContain('copy of restorable-orders-2025-06-01 (eu-west-1)');
        expect(text).not.toContain('original snapshot');

        const timeline = page.locator('figure.timeline svg');
        const start = await timeline.getByText('0 (restore requested)', { exact: true }).boundingBox();
        const end = await timeline.getByText('RTO 4 s', { exact: true }).boundingBox();
        const target = await timeline.getByText('RTO target 30 min', { exact: true }).boundingBox();
        expect(start).not.toBeNull();
        expect(end).not.toBeNull();
        expect(target).not.toBeNull();
        if (start === null || end === null || target === null) return;
        expect(overlaps(start, end)).toBe(false);
        expect(overlaps(start, target)).toBe(false);
        expect(overlaps(end, target)).toBe(false);
        expect(requests.filter((url) => !url.startsWith('file:'))).toEqual([]);
        await page.screenshot({ path: join(ARTIFACTS, 'drill-report-pass.png'), fullPage: true });
        await page
          .locator('figure.timeline')
          .screenshot({ path: join(ARTIFACTS, 'drill-report-pass-timeline.png') });
      } finally {
        await page.close();
      }
    });

    it('shows a drill whose restore failed as not restored, with the error once and a copy named as a copy', async () => {
      const { page, requests } = await open(restoreFailedDrill, 'drill-restore-failed');
      try {
        const verdict = page.getByRole('heading', { level: 1 });
        await expect(verdict.textContent()).resolves.toBe('FAIL');
        const text = await visibleText(page);
        expect(text).toContain(
          'Snapshot restorable-orders-2025-06-08 of orders was not restored: the restore failed, so none of its data was checked',
        );
        expect(text).not.toContain('was restored into a sandbox');
        expect(text).toContain('copy of restorable-orders-2025-06-08 (eu-west-1)');
        expect(text).not.toContain('original snapshot');
        expect(text.split(restoreError)).toHaveLength(2);

        const rows = page.locator('#checks ~ table tbody tr');
        const details = (await rows.locator('td:nth-child(3)').allInnerTexts()).map((detail) =>
          detail.trim(),
        );
        expect(details.slice(0, 6)).toEqual([restoreError, ...Array(5).fill('not run: see restore')]);
        expect(requests.filter((url) => !url.startsWith('file:'))).toEqual([]);
        await page.screenshot({ path: join(ARTIFACTS, 'drill-report-restore-failed.png'), fullPage: true });
      } finally {
        await page.close();
      }
    });
  });
});
