import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { deskWebDir } from '@app/agent-desk';
import { join } from 'node:path';
import { Browser } from 'playwright-core';
import { CcmHarness, eventually, startCcm } from '../helpers/ccm-harness';
import { ADMIN_KEY, createAgent } from '../helpers/agent-desk-client';
import { ARTIFACTS, launchChromium, openDesk, screenshot, tab } from '../helpers/desk-browser';
import { testPsid } from '../helpers/fixtures';

describe('agent desk page in headless Chromium', () => {
  let h: CcmHarness;
  let browser: Browser;

  beforeAll(async () => {
    [h, browser] = await Promise.all([startCcm({ env: { ADMIN_API_KEY: ADMIN_KEY } }), launchChromium()]);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('should serve a small built app without inline scripts or styles, under a CSP without unsafe-inline', async () => {
    const page = await fetch(`${h.url}/agent`);
    const html = await page.text();
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(page.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // every script is a file
    expect(html).not.toMatch(/<style|\sstyle=/);
    mkdirSync(ARTIFACTS, { recursive: true });
    const assets = readdirSync(join(deskWebDir(), 'assets'));
    const gzipped = assets.reduce((sum, file) => sum + gzipSync(readFileSync(join(deskWebDir(), 'assets', file))).length, 0);
    expect(gzipped).toBeLessThan(150 * 1024);
    writeFileSync(join(ARTIFACTS, 'desk-bundle-size.json'), JSON.stringify({ files: assets, gzippedBytes: gzipped }) + '\n');
  });

  it('should log in, accept a queued chat, send a text and a 2-button message from the visual editor, and show the answer live', async () => {
    const dana = await createAgent(h, 'dana'); // status away: nothing is pushed, so the chat waits in the queue
    await h.simulator.sendText(testPsid('web'), 'I want to talk to an agent');
    await eventually(async () => (await h.persistence.repos.conversations.listByState('QUEUED')).length === 1);

    const { page, context } = await openDesk(browser, h, dana.username);
    // Recorded, not asserted (timings belong to npm run bench): how fast the page became usable.
    const timing = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      return { domInteractiveMs: Math.round(nav.domInteractive), loadEventEndMs: Math.round(nav.loadEventEnd) };
    });
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, 'desk-page-timing.json'), JSON.stringify(timing) + '\n');
    await tab(page, 'Queue');
    await page.locator('#queue li[data-id]').first().click();
    await page.locator('.transcript').getByText('I want to talk to an agent').waitFor();
    expect(await page.getByLabel('Message', { exact: true }).count()).toBe(0); // no composer on a queued chat
    await page.getByRole('button', { name: 'Accept' }).click();
    await tab(page, 'Mine');
    await page.locator('#mine li[data-id]').first().waitFor();

    await page.getByLabel('Message', { exact: true }).fill('Hello, I am Dana. Let me check your order.');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await eventually(async () => h.graph.sentTexts(testPsid('web')).includes('Hello, I am Dana. Let me check your order.'), 5000);
    await page.locator('.msg.agent .status[data-status="sent"]').first().waitFor();
    await page.locator('.msg.agent .who').getByText('Dana').first().waitFor(); // the agent's name, not just "Agent"

    await page.getByRole('button', { name: 'Buttons', exact: true }).click();
    await page.getByLabel('Message', { exact: true }).fill('Shall I refund it?');
    await page.getByLabel('Message button 1 title').fill('Yes please');
    await page.getByLabel('Message button 1 payload').fill('REFUND_YES');
    await page.getByLabel('Message button 2 title').fill('No thanks, this title is far too long');
    await page.getByLabel('Message button 2 payload').fill('REFUND_NO');
    await page.locator('.problems li').getByText(/20/).waitFor(); // validated as you type, with the server's rules
    await page.getByLabel('Message button 2 title').fill('No thanks');
    await eventually(async () => (await page.locator('.problems li').count()) === 0);
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await eventually(
      async () =>
        h.graph
          .sentMessages(testPsid('web'))
          .some(
            (r) =>
              (r.body as { message: { attachment?: { payload?: { template_type?: string } } } }).message.attachment?.payload
                ?.template_type === 'button',
          ),
      5000,
    );

    const received = await h.simulator.sendText(testPsid('web'), 'Yes please, refund it');
    expect(received.response.status).toBe(200);
    await page.locator('.msg.customer').getByText('Yes please, refund it').waitFor({ timeout: 5000 });

    await screenshot(page, 'agent-desk');
    const button = h.graph.sentMessages(testPsid('web')).at(-1)!.body as {
      message: { attachment: { payload: { buttons: { title: string }[] } } };
    };
    expect(button.message.attachment.payload.buttons.map((b) => b.title)).toEqual(['Yes please', 'No thanks']);
    await context.close();
  }, 60_000);
});
