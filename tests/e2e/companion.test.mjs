// End-to-end: a STOCK headless Chromium (no WebRequestSecurityInfo, no debugger build) with the
// companion installed the way the docs tell users to (`pinwatch companion install --browser
// chromium --user-data-dir DIR`, the real release binary). The companion opens its own TLS
// connection to the address the browser used and Pinwatch judges the chain it returns.
//
//   BROWSER=chromium node --test --test-concurrency=1 tests/e2e/companion.test.mjs   (after ./build.sh)

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { connect as tcpConnect } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Inspector, launchChromium, visit, waitFor } from './lib/chromium.mjs';
import { chromiumExtensionId, chromiumPolicyFile } from './lib/enterprise.mjs';
import { issue, subject } from './lib/pki.mjs';
import { prepare, ROOT } from './lib/scenario.mjs';

const browserChoice = process.env.BROWSER ?? 'all';
const PINWATCH = join(ROOT, 'target', 'release', 'pinwatch');
const skip = (!['chromium', 'all'].includes(browserChoice) && `BROWSER=${browserChoice}`)
  || (!existsSync(PINWATCH) && 'no target/release/pinwatch: run ./build.sh');

const HOSTS = ['mail.example.test', 'sub.mail.example.test', 'plain.example.test', 'blocked.example.test'];

function extra(pki) {
  const d = pki.dir;
  const leafOf = (name, host, issuer, ...alsoServed) => {
    const cert = issue(d, name, { subj: subject({ CN: host }), issuer, hosts: [host] });
    return { ...cert, host, chainPem: [cert, ...alsoServed].map((c) => c.pemText).join('') };
  };
  const impostorInter = issue(d, 'cmp-impostor', { subj: subject({ CN: 'Pinwatch Test Legit Issuing CA', O: 'Pinwatch tests' }), ca: true, issuer: pki.rogueRoot });
  const backupRoot = issue(d, 'cmp-backup-root', { subj: subject({ CN: 'Pinwatch Test Backup Root', O: 'Pinwatch tests' }), ca: true });
  const backupInter = issue(d, 'cmp-backup-inter', { subj: subject({ CN: 'Pinwatch Test Backup Issuing CA', O: 'Pinwatch tests' }), ca: true, issuer: backupRoot });
  const proxyRoot = issue(d, 'cmp-proxy-root', { subj: subject({ CN: 'Corp Inspection Root', O: 'Pinwatch tests' }), ca: true });
  return {
    backupRoot,
    backupInter,
    proxyRoot,
    proxied: leafOf('cmp-proxied', 'mail.example.test', proxyRoot, proxyRoot),
    renewed: leafOf('cmp-renewed', 'mail.example.test', pki.legitInter, pki.legitInter),
    backup: leafOf('cmp-backup', 'mail.example.test', backupInter, backupInter),
    spoofed: leafOf('cmp-spoofed', 'mail.example.test', impostorInter, impostorInter),
    subdomain: leafOf('cmp-sub', 'sub.mail.example.test', pki.rogueRoot),
  };
}

/**
 * A loopback HTTP proxy that only tunnels (`CONNECT host:port`), mapping the test hosts to
 * loopback as the browser's resolver rules do, and remembering each CONNECT and its User-Agent.
 */
async function startConnectProxy() {
  const seen = [];
  const server = createServer((req, res) => { res.writeHead(405); res.end(); });
  const sockets = new Set();
  server.on('connect', (req, client, head) => {
    seen.push({ target: req.url, userAgent: req.headers['user-agent'] ?? null });
    sockets.add(client);
    const [host, port] = req.url.split(':');
    const upstream = tcpConnect(Number(port), host.endsWith('.example.test') ? '127.0.0.1' : host, () => {
      client.write('HTTP/1.1 200 Connection established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: server.address().port, seen, close: () => new Promise((resolve) => {
    // Tunnels are no longer the server's: they are ended here, or close() would wait for them.
    for (const socket of sockets) socket.destroy();
    server.closeAllConnections?.();
    server.close(() => resolve());
  }) };
}

describe('Chromium without certificates: the companion takes a second look', { skip }, () => {
  let sc;
  let env;
  let policy; // the managed policy file that declares the inspection proxy

  before(async () => {
    sc = await prepare({
      browser: 'chromium',
      name: 'test-chromium-companion',
      stale: false,
      extend: extra,
      editList: (list, pki, x) => {
        // The backup CA's issuing key: the server does not send its root (completion over AIA
        // is completion.test.mjs's).
        list.pinsets['test-legit'].good.push(x.backupInter.spkiPin);
        for (const e of list.entries) if (e.host === 'mail.example.test') e.include_subdomains = true;
      },
      servers: (specs, pki, x) => ({
        legit: specs.mailLegit,
        rogue: specs.mailRogue,
        plain: specs.plain,
        blocked: specs.blocked,
        renewed: { name: 'renewed', leaf: x.renewed },
        backup: { name: 'backup CA', leaf: x.backup },
        spoofed: { name: 'spoofed intermediate', leaf: x.spoofed },
        subdomain: { name: 'rogue subdomain', leaf: x.subdomain },
        proxied: { name: 'declared inspection proxy', leaf: x.proxied },
      }),
    });
  });

  after(async () => {
    await env?.cr.close();
    policy?.remove();
    await sc?.cleanup();
  });

  async function start(securityInfo) {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'manifest.json'), 'utf8'));
    policy ??= chromiumPolicyFile(chromiumExtensionId(manifest.key), { allowedInterceptionSpkis: [sc.extra.proxyRoot.spkiPin] }, 'pinwatch-companion-test.json');
    const cr = await launchChromium({ roots: [...sc.pki.roots, sc.extra.backupRoot, sc.extra.proxyRoot], hosts: HOSTS, securityInfo });
    // As the docs say: the release binary writes the host manifest into this browser's profile.
    execFileSync(PINWATCH, ['companion', 'install', '--browser', 'chromium', '--user-data-dir', cr.profile]);
    const since = Date.now();
    await cr.install(sc.dist);
    const insp = await Inspector.open(cr);
    const booted = await waitFor(async () => (await insp.session('boots'))?.some((b) => b.at >= since), { timeout: 15_000 });
    assert.ok(booted, 'the service worker started');
    // Chromium hands managed values over a few seconds after start.
    const policyIn = await waitFor(async () => (await insp.page.evaluate(() => chrome.runtime.sendMessage({ type: 'status' })))
      .value?.policy?.allowedInterceptionSpkis?.length === 1, { timeout: 20_000 });
    assert.ok(policyIn, 'the managed policy reached the extension');
    return { cr, insp };
  }

  async function check(key, want) {
    const server = sc.servers[key];
    const v = await visit(env.cr, server.url, { want });
    const tabId = await env.insp.tabId(v.page);
    const r = await env.insp.waitRecord(tabId, server.url, (x) => x.tier !== null);
    await v.page.close();
    return { v, r };
  }

  describe('stock Chromium (no flag)', () => {
    before(async () => { env = await start(false); });
    after(async () => { await env?.cr.close(); env = null; });

    it('the companion answers, and the options page says so', async () => {
      const page = await env.cr.browser.newPage();
      await page.goto(`${env.cr.base}pages/options.html`, { waitUntil: 'load' });
      const status = await waitFor(() => page.evaluate(() => !document.getElementById('companion-block').hidden
        && document.getElementById('companion-status').dataset.status));
      assert.equal(status, 'ready', await page.evaluate(() => document.getElementById('companion-status').textContent));
      await page.close();
    });

    for (const [key, what] of [['legit', 'the legitimate chain'], ['renewed', 'a renewal with a new leaf key'], ['backup', 'the backup CA']]) {
      it(`${what}: pinned, from the companion's chain, no warning`, async () => {
        const { v, r } = await check(key, 'page');
        assert.equal(v.outcome, 'page', `got ${v.outcome} at ${v.href}`);
        assert.equal(r.tier, 'companion');
        assert.equal(r.status, 'pinned', r.reason);
        assert.ok(r.companion && typeof r.companion.ms === 'number', 'the record says the companion looked, and how long it took');
        assert.ok(r.path.origins.every((o) => o === 'served'));
      });
    }

    for (const [key, what] of [['rogue', 'a rogue CA'], ['spoofed', 'a spoofed intermediate with the legit names'], ['subdomain', 'a rogue chain on a pinned subdomain']]) {
      it(`${what}: sent to the warning page`, async () => {
        const { v, r } = await check(key, 'warning');
        assert.equal(v.outcome, 'warning', `got ${v.outcome} at ${v.href}`);
        assert.equal(r.tier, 'companion');
        assert.notEqual(r.status, 'pinned');
      });
    }

    it('a declared inspection proxy (policy allowedInterceptionSpkis): allowed-interception, no warning', async () => {
      const { v, r } = await check('proxied', 'page');
      assert.equal(v.outcome, 'page', `got ${v.outcome} at ${v.href}`);
      assert.equal(r.tier, 'companion');
      assert.equal(r.status, 'allowed-interception', r.reason);
    });

    it('an unpinned host: not warned; with companionScope "all", a block-listed leaf there is', async () => {
      const plain = await check('plain', 'page');
      assert.equal(plain.v.outcome, 'page');
      await env.insp.page.evaluate(async () => {
        const { user } = await chrome.storage.local.get('user');
        await chrome.storage.local.set({ user: { ...(user ?? {}), companionScope: 'all' } });
      });
      const { v, r } = await check('blocked', 'warning');
      assert.equal(v.outcome, 'warning', `got ${v.outcome} at ${v.href}`);
      assert.equal(r.status, 'blocked', r.reason);
      assert.equal(r.tier, 'companion');
      // The companion anchors the test roots in this profile's NSS store: roots added to this
      // computer, so an unpinned host under one is `local-root` (a notice, never a stop).
      const again = await check('plain', 'page');
      assert.equal(again.v.outcome, 'page');
      assert.equal(again.r.status, 'local-root', again.r.reason);
      assert.equal(again.r.builtInRoot, false, 'the companion\'s verifier said "local"');
      assert.equal(again.r.matched.kind, 'local-root');
    });

    it('through the browser\'s fixed proxy: the companion tunnels through it too (CONNECT), pinned', async () => {
      const proxy = await startConnectProxy();
      const set = (value) => env.insp.page.evaluate((v) => (v ? chrome.proxy.settings.set({ value: v, scope: 'regular' }) : chrome.proxy.settings.clear({ scope: 'regular' })), value);
      try {
        await set({ mode: 'fixed_servers', rules: { singleProxy: { scheme: 'http', host: '127.0.0.1', port: proxy.port } } });
        const target = `mail.example.test:${sc.servers.renewed.port}`;
        // The extension reads the setting when it changes; wait until a page goes through the proxy.
        const r = await waitFor(async () => {
          const got = await check('renewed', 'page');
          return got.r?.companion?.proxy && got.r;
        }, { timeout: 20_000 });
        assert.ok(r, 'the companion was told about the browser\'s proxy');
        assert.equal(r.companion.proxy, `http://127.0.0.1:${proxy.port}`);
        assert.equal(r.status, 'pinned', r.reason);
        const tunnels = proxy.seen.filter((s) => s.target === target);
        assert.ok(tunnels.some((s) => /Chrome/.test(s.userAgent ?? '')), `the browser went through the proxy: ${JSON.stringify(proxy.seen)}`);
        assert.ok(tunnels.some((s) => !/Chrome/.test(s.userAgent ?? '')), `so did the companion: ${JSON.stringify(proxy.seen)}`);
      } finally {
        await set(null);
        await proxy.close();
      }
    });

    it('without the companion: "can\'t verify" with the install hint, never "pinned"', async () => {
      execFileSync(PINWATCH, ['companion', 'uninstall', '--browser', 'chromium', '--user-data-dir', env.cr.profile]);
      // The running host stays up until the worker restarts; stop it so the next look starts one.
      assert.ok(await env.insp.stopWorker(), 'the service worker stopped');
      const v = await visit(env.cr, sc.servers.legit.url, { want: 'page' });
      const tabId = await env.insp.tabId(v.page);
      const r = await env.insp.waitRecord(tabId, sc.servers.legit.url);
      assert.equal(r.status, 'unverifiable', r.reason);
      assert.equal(r.companionMissing, true, r.companionError);
      const popup = await env.cr.browser.newPage();
      await popup.goto(`${env.cr.base}pages/popup.html?tab=${tabId}`, { waitUntil: 'load' });
      const note = await waitFor(() => popup.evaluate(() => !document.getElementById('companion-note').hidden
        && document.getElementById('companion-note').textContent));
      // The hint names this browser, the package first, then the command for this browser alone.
      assert.match(note, /not installed/);
      assert.ok(note.indexOf('.deb') >= 0 && note.indexOf('.deb') < note.indexOf('pinwatch companion install --browser chromium'), note);
      await popup.close();
      await v.page.close();
    });
  });

  describe('Chromium with WebRequestSecurityInfo: the companion completes the browser\'s leaf', () => {
    before(async () => { env = await start(true); });
    after(async () => { await env?.cr.close(); env = null; });

    it('the legitimate chain: the browser\'s leaf, the companion\'s intermediate, pinned', async () => {
      const { v, r } = await check('legit', 'page');
      assert.equal(v.outcome, 'page');
      assert.equal(r.tier, 'securityInfoRawDer+companion');
      assert.equal(r.status, 'pinned', r.reason);
      assert.equal(r.chain[0].spkiSha256, sc.pki.leaves.mailLegit.spkiPin);
      assert.equal(r.companion.leafDiffers, false);
    });

    it('a rogue CA: stopped', async () => {
      const { v, r } = await check('rogue', 'warning');
      assert.equal(v.outcome, 'warning');
      assert.notEqual(r.status, 'pinned');
    });
  });
});
