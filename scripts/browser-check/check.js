#!/usr/bin/env node
// check.js opens each tokenbench HTML report given on the command line in
// headless Chromium (Debian's /usr/bin/chromium: this project never
// downloads a browser) and fails when the page logs a console error or
// throws, asks for anything that is not the file itself (the reports are
// self-contained), has an <svg> with no size, or hides its verdict. It
// saves a full-page screenshot next to each file (NAME.png).
//
//   node check.js out/load.html out/conformance.html
//
// Exit status: 0 every page passed, 1 a page failed, 2 bad usage or no
// browser. Set CHROMIUM to use another Chromium binary.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
let chromium;
try {
  ({ chromium } = require('playwright-core'));
} catch (err) {
  console.error(`browser-check: playwright-core is not installed: run "npm ci" in ${__dirname} (${err.code || err.message})`);
  process.exit(2);
}

const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const args = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
// The verdict banner: the load report's id="verdict", the conformance
// report's <header class="verdict ...">.
const verdictSelector = '#verdict, .verdict';

async function checkPage(browser, file) {
  const problems = [];
  const abs = path.resolve(file);
  const url = pathToFileURL(abs).href;
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  // Anything but the page itself (and inline data) is a failure: the
  // report must read offline.
  await page.route('**/*', (route) => {
    const u = route.request().url();
    if (u === url || u.startsWith('data:')) return route.continue();
    problems.push(`requested ${u}: the report must be self-contained`);
    return route.abort();
  });
  try {
    const resp = await page.goto(url, { waitUntil: 'load', timeout: 30000 });
    if (resp && !resp.ok()) problems.push(`loading: status ${resp.status()}`);
  } catch (err) {
    problems.push(`loading: ${err.message}`);
    await page.close();
    return { problems };
  }

  const svgs = await page.$$eval('svg', (els) => els.map((el, i) => {
    const r = el.getBoundingClientRect();
    return { id: el.id || `svg #${i + 1}`, width: r.width, height: r.height };
  }));
  for (const s of svgs) {
    if (!(s.width > 0 && s.height > 0)) problems.push(`${s.id} has no size (${s.width}x${s.height})`);
  }

  const verdict = page.locator(verdictSelector).first();
  let verdictText = '';
  if (await verdict.count() === 0) {
    problems.push(`no verdict element (${verdictSelector})`);
  } else if (!(await verdict.isVisible())) {
    problems.push('the verdict is not visible');
  } else {
    const box = await verdict.boundingBox();
    if (!box || box.y > 900) problems.push('the verdict is not on the first screen');
    verdictText = (await verdict.innerText()).split('\n')[0].trim();
  }

  const shot = abs.replace(/\.html?$/i, '') + '.png';
  await page.screenshot({ path: shot, fullPage: true });
  await page.close();
  return { problems, svgs: svgs.length, verdict: verdictText, shot };
}

async function main() {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error('usage: node check.js REPORT.html...');
    return 2;
  }
  for (const f of files) {
    if (!fs.existsSync(f)) {
      console.error(`browser-check: ${f}: no such file`);
      return 2;
    }
  }
  if (!fs.existsSync(executablePath)) {
    console.error(`browser-check: no Chromium at ${executablePath} (apt-get install -y chromium, or set CHROMIUM)`);
    return 2;
  }
  const browser = await chromium.launch({ executablePath, args, headless: true, timeout: 60000 });
  let failed = 0;
  try {
    for (const f of files) {
      const r = await checkPage(browser, f);
      if (r.problems.length > 0) {
        failed++;
        console.log(`FAIL ${f}`);
        for (const p of r.problems) console.log(`     ${p}`);
      } else {
        console.log(`ok   ${f}: verdict "${r.verdict}", ${r.svgs} charts with a size, no console errors; screenshot ${r.shot}`);
      }
    }
  } finally {
    await browser.close();
  }
  console.log(`${files.length - failed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

main().then((code) => { process.exitCode = code; }, (err) => {
  console.error(`browser-check: ${err.stack || err}`);
  process.exitCode = 2;
});
