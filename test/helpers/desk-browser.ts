import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { ADMIN_KEY, AGENT_PASSWORD, callApi, DeskAgent } from './agent-desk-client';
import { CcmHarness } from './ccm-harness';

/** The browser test/tools/ensure-chromium.sh found: CHROMIUM_PATH, else `chromium` on the PATH (where apt-get puts it). */
export const CHROMIUM = process.env.CHROMIUM_PATH || chromiumOnPath() || '/usr/bin/chromium';

function chromiumOnPath(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    try {
      accessSync(join(dir, 'chromium'), constants.X_OK);
      return join(dir, 'chromium');
    } catch {
      /* not here */
    }
  }
  return undefined;
}
/** Screenshots of browser tests (git-ignored; CI keeps them as artifacts). */
export const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');

/** Builds the desk web app if a source changed since the last build (fast when up to date). */
export function ensureDeskBuilt(): void {
  const result = spawnSync(process.execPath, [join(__dirname, '..', '..', 'apps', 'desk-web', 'tools', 'build-if-stale.js')], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`desk web build failed:\n${result.stdout}\n${result.stderr}`);
}

/** Debian Chromium, headless, with the flags this machine's closed network needs. One per test file. */
export async function launchChromium(): Promise<Browser> {
  ensureDeskBuilt();
  return chromium.launch({
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
}

/** A fresh browser context (own storage) with the desk open and `username` signed in. */
export async function openDesk(
  browser: Browser,
  h: CcmHarness,
  username: string,
  viewport = { width: 1366, height: 768 },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(8000); // a clear locator error before the test itself times out
  await page.goto(`${h.url}/agent`);
  await signIn(page, username);
  return { context, page };
}

export async function signIn(page: Page, username: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(AGENT_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.connection.online').waitFor();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** Opens a list tab (Mine, Queue, All, Closed, Overview, Settings). */
export async function tab(page: Page, name: string): Promise<void> {
  await page.getByRole('tab', { name: new RegExp(`^${name}`) }).click();
}

/**
 * What a desk browser spec opened during one test: its agents and browser contexts. `reset()` after
 * each test closes the contexts, disables the agents and closes every queued or assigned chat, so
 * the next test's agents are not given what this one left behind.
 */
export class DeskSessions {
  readonly agents: DeskAgent[] = [];
  readonly contexts: BrowserContext[] = [];

  constructor(private readonly harness: () => CcmHarness) {}

  async reset(): Promise<void> {
    const h = this.harness();
    await Promise.all(this.contexts.splice(0).map((c) => c.close()));
    for (const a of this.agents.splice(0))
      await callApi(h, `/api/agents/${a.id}`, { method: 'PATCH', body: { disabled: true }, headers: { 'x-admin-key': ADMIN_KEY } });
    await h.persistence.db.updateTable('conversations').set({ state: 'CLOSED' }).where('state', 'in', ['QUEUED', 'AGENT']).execute();
  }
}
