import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Builds both widget bundles (app/js/) as `npm run build` does, and launches Debian's Chromium headless. */
export async function buildAndLaunch(): Promise<Browser> {
  const build = spawnSync('npx', ['rollup', '-c', 'rollup.config.mjs'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, npm_config_loglevel: 'silent' },
  });
  if (build.status !== 0) throw new Error(`widget build failed:\n${build.stdout}${build.stderr}`);
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Records a page's script and console errors and dismisses (and counts) any dialog, which a hostile string would open. */
export function watch(page: Page): { errors: string[]; readonly dialogs: number } {
  const errors: string[] = [];
  let dialogs = 0;
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('dialog', (d) => {
    dialogs++;
    void d.dismiss();
  });
  return {
    errors,
    get dialogs() {
      return dialogs;
    },
  };
}
