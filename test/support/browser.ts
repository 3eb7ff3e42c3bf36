import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Locator, type Page } from 'playwright-core';
import type { AppConfig } from '../../src/config/app-config.js';
import { startEmailTestApp, type EmailTestApp } from './email-test-app.js';

/** Where the suites leave their screenshots (CI prints the folder; it is not committed). */
export const SCREENSHOT_DIR = join(__dirname, '../../test-artifacts/screenshots');

/**
 * Debian's Chromium (`apt-get install chromium`), driven by playwright-core:
 * no browser download. The flags keep it off the network it would otherwise
 * call at start (updates, sync, QUIC probes), which this machine refuses.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // The app is opened as http://localhost (the WebAuthn RP id); the server listens on IPv4 loopback.
      '--host-resolver-rules=MAP localhost 127.0.0.1',
    ],
  });
}

/**
 * The real app with the fake Vonage server and a real SMTP server, opened as
 * http://localhost:<port>. WebAuthn accepts that origin: the allowed-origins
 * list is the config's own array, filled in once the port is known; the links
 * in mail point at the app's pages on it (`<origin>/app/reset-password#token=…`).
 */
export async function startBrowserTestApp(): Promise<BrowserTestApp> {
  const origins: string[] = [];
  let appConfig: AppConfig | undefined;
  const t = await startEmailTestApp({
    configure: (config) => {
      config.webauthn.origins = origins;
      appConfig = config;
    },
  });
  const origin = t.url.replace('127.0.0.1', 'localhost');
  origins.push(origin);
  appConfig!.email.linkBaseUrl = `${origin}/app`;
  return Object.assign(t, { origin });
}

/** Everything a page reported that means the app broke: uncaught errors and Content-Security-Policy violations. */
export interface PageProblems {
  errors: string[];
}

export async function newPage(context: BrowserContext): Promise<{ page: Page; problems: PageProblems }> {
  const page = await context.newPage();
  const problems: PageProblems = { errors: [] };
  page.on('pageerror', (error) => problems.errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content.Security.Policy|Refused to/i.test(message.text()))
      problems.errors.push(`csp: ${message.text()}`);
  });
  return { page, problems };
}

/** A platform authenticator with user verification, through the DevTools protocol (WebAuthn domain). */
export async function addVirtualAuthenticator(page: Page): Promise<CDPSession> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return cdp;
}

/** The serious and critical accessibility violations axe-core finds on the page as it is now, as "rule: target" lines. */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  // A scan that checked nothing (axe not injected, an empty page) would report no violations: refuse it.
  if (results.passes.length === 0) throw new Error(`axe-core checked no rule on ${page.url()}`);
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((node) => `${v.id} (${v.impact}): ${node.target.join(' ')} — ${v.help}`));
}

/** Scans the page with axe-core and saves a screenshot named after it; returns the violations. */
export async function checkPage(page: Page, name: string): Promise<string[]> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
  return (await accessibilityViolations(page)).map((line) => `${name}: ${line}`);
}

export type BrowserTestApp = EmailTestApp & { origin: string };

/** What a browser suite's tests use: the app, this test's page, and the checks every page goes through. */
export interface BrowserSuite {
  readonly t: BrowserTestApp;
  readonly page: Page;
  readonly context: BrowserContext;
  /** The axe-core violations of every page checked so far; the suite's last test expects none. */
  readonly violations: string[];
  /** Errors the page reported so far in this test (a test that provokes one on purpose clears them). */
  readonly problems: PageProblems;
  /** Photographs the page (this test's, or `on`) and scans it with axe-core. */
  check(name: string, on?: Page): Promise<void>;
  heading(name: string): Promise<void>;
  button(name: string): Locator;
  codeField(): Locator;
}

/**
 * One app and one Chromium for the describe block, a fresh browser context
 * (cookies, storage) per test, and after each test the check that the page
 * reported no script error and no CSP violation. `arrange` runs once the app
 * is up.
 */
export function browserSuite(arrange?: (t: BrowserTestApp) => Promise<void>): BrowserSuite {
  let t: BrowserTestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: PageProblems;
  const violations: string[] = [];
  beforeAll(async () => {
    [t, browser] = await Promise.all([startBrowserTestApp(), launchChromium()]);
    await arrange?.(t);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });
  beforeEach(async () => {
    context = await browser.newContext({ baseURL: t.origin, locale: 'en-GB' });
    ({ page, problems } = await newPage(context));
  });
  afterEach(async () => {
    await context.close();
    expect(problems.errors).toEqual([]);
  });
  return {
    get t() {
      return t;
    },
    get page() {
      return page;
    },
    get context() {
      return context;
    },
    violations,
    get problems() {
      return problems;
    },
    async check(name, on = page) {
      violations.push(...(await checkPage(on, name)));
    },
    heading: (name) => page.getByRole('heading', { level: 1, name }).waitFor(),
    button: (name) => page.getByRole('button', { name, exact: true }),
    codeField: () => page.getByRole('textbox', { name: 'Code' }),
  };
}
