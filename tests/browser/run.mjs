// Browser end-to-end tests of the Co-Intent app, in headless Chromium (playwright-core),
// against real anvil chains, the real deploy script, and `cointent serve` with its embedded
// Postgres. A test wallet is injected into each page (lib/wallet.mjs).
//   node tests/browser/run.mjs              all flows
//   node tests/browser/run.mjs dispute      the flows whose name contains "dispute"
// Screenshots (phone 390x844 and desktop 1280x800) and logs go to artifacts/browser/.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';
import { Stack } from './lib/stack.mjs';
import { TestWallet } from './lib/wallet.mjs';
import { StandInRelay } from './lib/relay.mjs';
import { PhoneWallet } from './lib/phone.mjs';
import { query } from './lib/pg.mjs';
import { ROOT, DEV, ZERO, send, call, cast, rpc, now, warp, createOrder, orderState } from './lib/chain.mjs';

const ART = path.join(ROOT, 'artifacts/browser');
const SHOTS = path.join(ART, 'screenshots');
fs.mkdirSync(SHOTS, { recursive: true });
const A = 31337;
const B = 31338;
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const DAY = 86400;

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

let stack;
let browser;
let base;
const url = (id) => stack.chains[id].url;
const addr = (id, name) => stack.chains[id].deployment.contracts[name].toLowerCase();

// ---------------------------------------------------------------- helpers

/** A fresh browser context with the test wallet installed. */
async function openPage({ account = DEV[1], chainId = A, viewport = PHONE, forget = [] } = {}) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const wallet = new TestWallet({ [A]: url(A), [B]: url(B) }, { account, chainId });
  for (const f of forget) wallet.forget(f);
  await wallet.install(page);
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(m.text()); });
  return { context, page, wallet };
}

async function go(page, p) {
  await page.goto(base + p);
  await page.waitForSelector('header.top');
}

async function connect(page) {
  await page.getByRole('button', { name: 'Connect wallet' }).click();
  await page.getByTestId('account').waitFor();
}

/** Clicks an action (inside `within`, the page by default) and waits for the transaction's
 * final state; returns its text. With `review`, the action's review sheet must say that
 * before it is confirmed. */
async function act(page, testid, { expect = 'ok', fill, review, within = page } = {}) {
  const dismiss = page.locator('[data-testid=tx-status] button[aria-label=Dismiss]');
  if (await dismiss.count()) await dismiss.click();
  if (fill) await fill();
  await within.getByTestId(testid).click();
  if (review) {
    const sheet = page.getByTestId('review-sheet');
    await sheet.waitFor();
    assert.match(await sheet.innerText(), review);
    await sheet.getByTestId('review-confirm').click();
  }
  const done = page.locator('[data-testid=tx-status] [data-state=ok], [data-testid=tx-status] [data-state=error], [data-testid=tx-status] [data-state=info]');
  await done.first().waitFor({ timeout: 60000 });
  const state = await done.first().getAttribute('data-state');
  const text = await done.first().innerText();
  assert.equal(state, expect, `${testid}: expected ${expect}, got ${state}: ${text}`);
  return text;
}

/** Waits until the indexer serves `p` and `ok(json)` holds. */
async function waitApi(p, ok = () => true, timeout = 30000) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    const r = await fetch(base + p);
    if (r.ok) {
      last = await r.json();
      if (ok(last)) return last;
    }
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${p}: ${JSON.stringify(last)?.slice(0, 300)}`);
}

const AXE = fs.readFileSync(path.join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');

/** axe-core on the page as it is: no serious or critical violation. */
async function accessible(page, name) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  });
  assert.deepEqual(found, [], `axe on ${name}`);
}

/** Screenshots of the page at phone and desktop sizes, each checked with axe. */
async function shoot(page, name) {
  for (const [tag, vp] of [['phone', PHONE], ['desktop', DESKTOP]]) {
    await page.setViewportSize(vp);
    await sleep(150);
    await page.screenshot({ path: path.join(SHOTS, `${name}-${tag}.png`), fullPage: true });
    await accessible(page, `${name} at ${vp.width}x${vp.height}`);
  }
  await page.setViewportSize(PHONE);
}

const dusd = (n) => String(BigInt(Math.round(n * 1e6)));

async function mint(chainId, to, amount) {
  await send(url(chainId), DEV[0], addr(chainId, 'stablecoin'), 'mint(address,uint256)', to, amount);
}

async function tokenBalance(chainId, who) {
  return BigInt(await call(url(chainId), addr(chainId, 'stablecoin'), 'balanceOf(address)(uint256)', who));
}

async function escrowBalance(chainId, who) {
  return BigInt(await call(url(chainId), addr(chainId, 'escrow'), 'balanceOf(address,address)(uint256)', addr(chainId, 'stablecoin'), who));
}

async function newOrder(chainId, over = {}) {
  const t = {
    seller: DEV[4], token: addr(chainId, 'stablecoin'), unitPrice: dusd(10), minUnits: 3, maxUnits: 10,
    fundingDeadline: (await now(url(chainId))) + 3600, reviewPeriod: DAY, rulingPeriod: DAY, promoterBps: 500,
    feeBps: 100, bondBps: 500, soleBuyer: ZERO, arbiter: DEV[6], metadataHash: '0x' + '42'.repeat(32),
    milestones: [{ bps: 10000, deliveryPeriod: 30 * DAY }], splits: [],
    ...over,
  };
  const id = await createOrder(url(chainId), addr(chainId, 'escrow'), t);
  await waitApi(`/v1/orders/${chainId}/${id}`);
  return id;
}

// ---------------------------------------------------------------- flows

/** The maker creates a collective order through the form: SIWE sign-in, metadata upload,
 * review of the terms and their hash, createOrder. Returns the new order's id. */
async function createThroughForm(page, wallet) {
  await go(page, '/create');
  await connect(page);
  await page.getByLabel('Title').fill('Alpaca wool blankets, woven by hand');
  await page.getByLabel('Description').fill('A run of 10 blankets from the Cusco cooperative.');
  await page.getByLabel('Category').fill('textiles');
  await page.getByLabel("Maker's name").fill('Rosa Quispe');
  await page.getByLabel('Region').fill('Cusco');
  await page.getByLabel('Craft').fill('weaving');
  // Paid in the local dUSD (the chain's allowlist also offers the native coin).
  await page.getByLabel('Paid in').selectOption(addr(A, 'stablecoin'));
  await page.getByLabel('Unit price').fill('10');
  await page.getByLabel('Minimum units (the goal)').fill('3');
  await page.getByLabel('Maximum units (the cap)').fill('10');
  await page.getByLabel('Funding days').fill('1');
  await page.getByLabel('Review period (days, at least 1)').fill('1');
  await page.getByLabel("Promoters' share (%)").fill('5');
  await page.getByLabel(/^Arbiter/).fill(DEV[6]);
  // No story: refused before any signature, the message at the top of the form, focused, on
  // the first screen of a phone.
  await page.getByTestId('review').click();
  const error = page.locator('#c-error');
  await error.waitFor();
  assert.match(await error.innerText(), /Tell the maker's story/);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'c-error');
  const errorBox = await error.boundingBox();
  assert.ok(errorBox.y >= 0 && errorBox.y + errorBox.height <= PHONE.height, `the error is on screen: ${JSON.stringify(errorBox)}`);
  assert.equal(wallet.log.filter((m) => m === 'personal_sign' || m.startsWith('eth_sign')).length, 0, 'nothing was signed');
  assert.equal(await page.getByTestId('draft').count(), 0);
  await page.getByLabel("The maker's story").fill('Rosa learned backstrap weaving from her grandmother.');
  await page.getByTestId('review').click();
  const draft = page.getByTestId('draft');
  await draft.waitFor();
  // The review reads in units, symbols and percent; the hashes are under technical details.
  const reviewed = await draft.innerText();
  assert.match(reviewed, /Unit price\s+10 dUSD/);
  assert.match(reviewed, /Promoters\s+5%/);
  assert.match(reviewed, /Units\s+3 to 10/);
  await draft.locator('summary', { hasText: 'Technical details' }).click();
  assert.match(await draft.innerText(), /Terms hash\s+0x[0-9a-f]{64}/);
  await act(page, 'publish');
  assert.ok(wallet.log.includes('personal_sign'), 'signed in with Ethereum');
  await page.waitForURL(/\/orders\/31337\/\d+$/);
  const id = Number(page.url().split('/').pop());
  const order = await waitApi(`/v1/orders/${A}/${id}`, (o) => o.metadata !== null && o.metadata !== undefined);
  assert.equal(order.title ?? order.metadata?.title, 'Alpaca wool blankets, woven by hand', 'the uploaded metadata is linked to the order');
  return id;
}

test('collective order: created through the form, pledges by two accounts with a promoter, funding, delivery, release and claims', async () => {
  await mint(A, DEV[1], dusd(100));
  await mint(A, DEV[2], dusd(100));
  const { page, wallet, context } = await openPage({ account: DEV[4] });
  const id = await createThroughForm(page, wallet);
  await page.getByText('Rosa learned backstrap weaving').waitFor();
  // People, not addresses: the maker's name from the order's metadata, with its share.
  assert.match(await page.getByTestId('breakdown').innerText(), /Maker, Rosa Quispe\s+9\.405 dUSD/);
  assert.match(await page.getByTestId('order').innerText(), new RegExp(`Seller\\s+Rosa Quispe \\(${DEV[4]}\\)`));
  await wallet.setAccount(DEV[1]);
  await go(page, `/orders/${A}/${id}?ref=${DEV[5]}`);
  await page.getByTestId('order').waitFor();
  assert.equal(await page.locator('#promoter').inputValue(), DEV[5], 'the promoter comes from ?ref');
  // Permit: one signature and one transaction, no separate approve.
  await act(page, 'pledge', { fill: () => page.locator('#units').fill('2') });
  assert.ok(wallet.log.includes('eth_signTypedData_v4'), `pledge used a permit signature: ${wallet.log.join(' ')}`);
  assert.equal((await orderState(url(A), addr(A, 'escrow_lens'), id)).units, 2);
  await page.getByTestId('live').getByText('You hold 2 unit(s)').waitFor();

  await wallet.setAccount(DEV[2]);
  await page.getByTestId('live').filter({ hasNotText: 'You hold 2' }).waitFor();
  await act(page, 'pledge', { fill: async () => { await page.locator('#units').fill('2'); await page.locator('#promoter').fill(''); } });
  assert.equal((await orderState(url(A), addr(A, 'escrow_lens'), id)).units, 4);
  await shoot(page, 'order-funding');

  await warp(url(A), 86401);
  await page.reload();
  await act(page, 'finalize');
  assert.equal((await orderState(url(A), addr(A, 'escrow_lens'), id)).status, 1, 'Active');

  await wallet.setAccount(DEV[4]);
  await act(page, 'deliver', { fill: () => page.locator('#proof').fill('https://example.org/shipped') });
  assert.equal((await orderState(url(A), addr(A, 'escrow_lens'), id)).mstate, 1, 'Delivered');

  // One of two independent backers approves: the other keeps its review window.
  await wallet.setAccount(DEV[1]);
  await act(page, 'approve');
  assert.equal((await orderState(url(A), addr(A, 'escrow_lens'), id)).mstate, 1, 'still in review');
  await wallet.setAccount(DEV[4]);
  await warp(url(A), DAY + 1);
  await page.reload();
  await act(page, 'release');
  const s = await orderState(url(A), addr(A, 'escrow_lens'), id);
  assert.equal(s.status, 4, 'Completed');

  // 40 dUSD released: fee 0.40, promoters 5% of 39.60 on 2 of 4 units = 0.99, maker 38.61,
  // paid out in one "Get paid" (claim and withdraw).
  await act(page, 'collect');
  assert.equal(await escrowBalance(A, DEV[4]), 0n);
  assert.equal(await tokenBalance(A, DEV[4]), BigInt(dusd(38.61)));
  // The promoter's dashboard says what it may claim and claims it in one click.
  await wallet.setAccount(DEV[5]);
  await go(page, '/dashboard');
  const promoted = dashLine(page, 'promoter', id);
  await promoted.waitFor();
  assert.match(await promoted.innerText(), /2 units through your link, commission claimed 0 dUSD, claimable now 0\.99 dUSD/);
  assert.equal(await promoted.getByTestId('claim-commission').innerText(), 'Claim 0.99 dUSD');
  await act(page, 'claim-commission');
  assert.equal(await escrowBalance(A, DEV[5]), BigInt(dusd(0.99)));
  await promoted.filter({ hasText: 'commission claimed 0.99 dUSD, claimable now 0 dUSD' }).waitFor();
  await go(page, `/orders/${A}/${id}`);
  await waitApi(`/v1/orders/${A}/${id}`, (o) => o.status === 'Completed');
  await page.reload();
  await page.getByTestId('backers').waitFor();
  await shoot(page, 'order-completed');
  // The maker's dashboard lists the order; the artisan's profile tells the story.
  await wallet.setAccount(DEV[4]);
  await go(page, '/dashboard');
  await dashLine(page, 'maker', id).filter({ hasText: 'Alpaca wool blankets' }).waitFor();
  await shoot(page, 'dashboard-maker');
  // What the maker earned, claimed and may still claim, as the chain says.
  const makerLine = dashLine(page, 'maker', id);
  assert.match(await makerLine.innerText(), /earned 38\.61 dUSD, claimed 38\.61 dUSD, claimable now 0 dUSD/);
  // A backer's dashboard: its units and payments, and its real referral link to the order.
  await wallet.setAccount(DEV[1]);
  await go(page, '/dashboard');
  const backed = dashLine(page, 'backer', id);
  await backed.waitFor();
  assert.match(await backed.innerText(), /2 units, paid 20 dUSD, refunded 0 dUSD/);
  const link = `${base}/orders/${A}/${id}?ref=${DEV[1]}`;
  assert.equal(await backed.getByTestId('referral-link').innerText(), link);
  // Its QR code encodes that very link (the API draws it; its title is the encoded text).
  const qrSrc = await backed.getByTestId('referral-qr').getAttribute('src');
  const qr = await (await fetch(base + qrSrc)).text();
  assert.ok(qr.includes(`<title>${link}</title>`), `the QR code encodes the referral link: ${qr.slice(0, 300)}`);
  // "Share or copy": the device's share sheet where there is one; here (no share sheet, as
  // on a desktop) the clipboard, and the toast says so.
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  await page.evaluate(() => { delete Navigator.prototype.share; });
  await backed.getByTestId('share-link').click();
  await page.locator('[data-testid=tx-status] [data-state=info]').filter({ hasText: 'Link copied.' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link);
  await shoot(page, 'dashboard-backer');
  await wallet.setAccount(DEV[4]);
  await go(page, `/artisans/${DEV[4]}`);
  await page.getByText('Rosa learned backstrap weaving').waitFor();
  await page.getByTestId('order-card').filter({ hasText: 'Alpaca wool blankets' }).first().waitFor();
  await shoot(page, 'artisan');
  assert.deepEqual(page.errors.filter((e) => !e.includes('404')), []);
  await context.close();
});

test('failed order: refunds return exactly what was paid', async () => {
  const id = await newOrder(A, { minUnits: 5 });
  await mint(A, DEV[3], dusd(30));
  const { page, wallet, context } = await openPage({ account: DEV[3] });
  await go(page, `/orders/${A}/${id}`);
  await connect(page);
  const start = await tokenBalance(A, DEV[3]);
  await act(page, 'pledge', { fill: () => page.locator('#units').fill('3') });
  assert.equal(start - (await tokenBalance(A, DEV[3])), BigInt(dusd(30)));
  await warp(url(A), 3601);
  await page.reload();
  await act(page, 'finalize');
  assert.equal((await orderState(url(A), addr(A, 'escrow_lens'), id)).status, 2, 'Failed');
  // The refund is one click on the backer's dashboard, for the amount the lens computes.
  const due = BigInt(await call(url(A), addr(A, 'escrow_lens'), 'refundable(uint256,bytes,address)(uint256)', id, (await waitApi(`/v1/orders/${A}/${id}`, (o) => o.status === 'Failed')).proof.terms_packed, DEV[3]));
  assert.equal(due, BigInt(dusd(30)));
  await go(page, '/dashboard');
  const line = dashLine(page, 'backer', id);
  await line.getByTestId('refund').waitFor();
  assert.equal(await line.getByTestId('refund').innerText(), `Take my refund of ${dusdText(due)}`);
  await act(page, 'refund');
  assert.equal(await tokenBalance(A, DEV[3]), start, 'exactly what was paid comes back');
  await line.filter({ hasText: 'refunded 30 dUSD' }).waitFor();
  await go(page, `/orders/${A}/${id}`);
  // Once refunded, the chain says there is nothing left to refund: the button goes away.
  await page.getByTestId('refund').waitFor({ state: 'detached', timeout: 10000 });
  void wallet;
  await context.close();
});

test('dispute: bonded by the client, ruled by the arbiter on the delivered milestone; refund, bond back and the seller paid', async () => {
  const id = await newOrder(A, { soleBuyer: DEV[2], minUnits: 1, maxUnits: 1, unitPrice: dusd(50), milestones: [{ bps: 5000, deliveryPeriod: 30 * DAY }, { bps: 5000, deliveryPeriod: 30 * DAY }], promoterBps: 0 });
  await mint(A, DEV[2], dusd(60));
  const { page, wallet, context } = await openPage({ account: DEV[2] });
  await go(page, `/orders/${A}/${id}`);
  await connect(page);
  const start = await tokenBalance(A, DEV[2]);
  await act(page, 'pledge', { fill: () => page.locator('#units').fill('1') });
  await act(page, 'finalize');
  await wallet.setAccount(DEV[4]);
  await act(page, 'deliver', { fill: () => page.locator('#proof').fill('first half') });
  await wallet.setAccount(DEV[2]);
  // The bond is 5 % of the disputed milestone (25 dUSD): 1.25 dUSD. A dispute is reviewed
  // before the wallet is asked; going back sends nothing.
  const sentBefore = wallet.log.filter((m) => m === 'eth_sendTransaction').length;
  // No reason, no dispute: said at once, before any sheet or signature.
  const noReason = await act(page, 'dispute', { expect: 'error' });
  assert.match(noReason, /Say why you dispute the milestone: the arbiter rules on your reason\./);
  assert.equal(await page.getByTestId('review-sheet').count(), 0, 'no review sheet without a reason');
  const reason = 'The first half has holes in the weave;\nthe photos showed another blanket.';
  await page.getByTestId('dispute-reason').fill(reason);
  await page.getByTestId('dispute').click();
  await page.getByTestId('review-sheet').getByRole('button', { name: 'Back' }).click();
  await page.getByTestId('review-sheet').waitFor({ state: 'detached' });
  assert.equal(wallet.log.filter((m) => m === 'eth_sendTransaction').length, sentBefore, 'Back sends nothing');
  await act(page, 'dispute', { review: /You post a bond of 1\.25 dUSD to dispute milestone 1 \(25 dUSD\), with your reason on the record\. The arbiter rules within 1 day: if it upholds your dispute, the bond comes back to you/ });
  assert.equal((await orderState(url(A), addr(A, 'escrow_lens'), id)).mstate, 2, 'Disputed');
  assert.equal(start - (await tokenBalance(A, DEV[2])), BigInt(dusd(51.25)), 'price and bond paid');
  // The reason is on the record, as written, and the order page shows it.
  const record = await waitApi(`/v1/orders/${A}/${id}`, (o) => o.disputes?.length === 1);
  assert.equal(record.disputes[0].reason, reason);
  await page.getByTestId('dispute-reason-text').filter({ hasText: 'holes in the weave' }).waitFor();
  assert.equal(await page.getByTestId('dispute-reason-text').innerText(), reason);
  // A backer cannot rule: the arbiter's form is not offered.
  assert.equal(await page.getByTestId('rule-end').count(), 0);
  await wallet.setAccount(DEV[6]);
  // The arbiter's dashboard lists the dispute waiting, with the bond and the deadline.
  await waitApi(`/v1/orders/${A}/${id}`, (o) => o.ruling_ends_at);
  await go(page, '/dashboard');
  const caseLine = dashLine(page, 'arbiter', id);
  await caseLine.waitFor();
  assert.match(await caseLine.innerText(), new RegExp(`Disputed by ${DEV[2].slice(0, 6)}…${DEV[2].slice(-4)} with a bond of 1\\.25 dUSD: rule on milestone 1 \\(25 dUSD\\), by `));
  assert.equal(await caseLine.getByTestId('arbiter-reason').innerText(), reason, 'the arbiter reads the reason');
  await shoot(page, 'dashboard-arbiter');
  await go(page, `/orders/${A}/${id}`);
  await act(page, 'rule-end', { fill: () => page.locator('#release').fill('5'), review: /You end the order: the amount you entered is released to the seller/ });
  assert.equal((await orderState(url(A), addr(A, 'escrow_lens'), id)).status, 5, 'Resolved');
  // 5 of the first milestone released; the client takes back the other 45 and, the dispute
  // upheld, its bond.
  await wallet.setAccount(DEV[2]);
  await act(page, 'refund');
  assert.equal(start - (await tokenBalance(A, DEV[2])), BigInt(dusd(6.25)));
  assert.equal(await escrowBalance(A, DEV[2]), BigInt(dusd(1.25)), 'the bond is credited');
  await act(page, 'withdraw', { review: new RegExp(`You withdraw your whole balance in the escrow, 1\\.25 dUSD, to your wallet ${DEV[2].slice(0, 6)}…${DEV[2].slice(-4)}\\.`) });
  assert.equal(start - (await tokenBalance(A, DEV[2])), BigInt(dusd(5)));
  await waitApi(`/v1/orders/${A}/${id}`, (o) => o.status === 'Resolved');
  await page.reload();
  await shoot(page, 'order-ruled');
  await wallet.setAccount(DEV[4]);
  const before = await tokenBalance(A, DEV[4]);
  await act(page, 'collect');
  // 5 released: fee 0.05, maker 4.95.
  assert.equal(await tokenBalance(A, DEV[4]) - before, BigInt(dusd(4.95)));
  await context.close();
});

test('a delivery deadline passes: anyone ends the order and backers take back every unit', async () => {
  const id = await newOrder(A, { minUnits: 2, maxUnits: 2, milestones: [{ bps: 10000, deliveryPeriod: 3600 }] });
  await mint(A, DEV[3], dusd(20));
  const { page, context } = await openPage({ account: DEV[3] });
  await go(page, `/orders/${A}/${id}`);
  await connect(page);
  const start = await tokenBalance(A, DEV[3]);
  await act(page, 'pledge', { fill: () => page.locator('#units').fill('2') });
  await act(page, 'finalize');
  await warp(url(A), 3601);
  await page.reload();
  await act(page, 'expire');
  assert.equal((await orderState(url(A), addr(A, 'escrow_lens'), id)).status, 6, 'Expired');
  await act(page, 'refund');
  assert.equal(await tokenBalance(A, DEV[3]), start, 'the whole pledge comes back');
  await waitApi(`/v1/orders/${A}/${id}`, (o) => o.status === 'Expired');
  await context.close();
});

test('wrong chain: banner and switch; an order on another chain adds it (4902) and switches', async () => {
  const idB = await newOrder(B, {});
  await mint(B, DEV[7], dusd(20));
  const { page, wallet, context } = await openPage({ account: DEV[7], chainId: 1, forget: [B] });
  await go(page, '/');
  await connect(page);
  await page.getByTestId('wrong-chain').waitFor();
  await page.getByTestId('wrong-chain').getByRole('button').click();
  await page.getByTestId('wrong-chain').waitFor({ state: 'detached' });
  assert.equal(wallet.chainId, A);
  await go(page, `/orders/${B}/${idB}`);
  await act(page, 'pledge', { fill: () => page.locator('#units').fill('1') });
  assert.equal(wallet.chainId, B);
  assert.ok(wallet.log.includes('wallet_addEthereumChain'), 'the chain was added after 4902');
  assert.equal((await orderState(url(B), addr(B, 'escrow_lens'), idB)).units, 1);
  await context.close();
});

test('user rejects a transaction: clear message, nothing stuck', async () => {
  const id = await newOrder(A, {});
  // Enough to pay 11 units: the cap, not the balance, refuses them.
  await mint(A, DEV[8], dusd(120));
  await send(url(A), DEV[8], addr(A, 'stablecoin'), 'approve(address,uint256)', addr(A, 'escrow'), dusd(20));
  const { page, wallet, context } = await openPage({ account: DEV[8] });
  await go(page, `/orders/${A}/${id}`);
  await connect(page);
  wallet.rejectNext.add('eth_sendTransaction');
  const text = await act(page, 'pledge', { expect: 'error', fill: () => page.locator('#units').fill('1') });
  assert.match(text, /You rejected .*Pledge 1 unit.* nothing was sent/);
  assert.equal((await orderState(url(A), addr(A, 'escrow_lens'), id)).units, 0);
  // A revert is explained before anything is signed.
  const over = await act(page, 'pledge', { expect: 'error', fill: () => page.locator('#units').fill('11') });
  assert.match(over, /Only 10 units are still available/);
  await act(page, 'pledge', { fill: () => page.locator('#units').fill('1') });
  assert.equal((await orderState(url(A), addr(A, 'escrow_lens'), id)).units, 1);
  await context.close();
});

test('a pending transaction replaced in the wallet (same nonce) is reported as replaced', async () => {
  const id = await newOrder(A, {});
  await mint(A, DEV[7], dusd(20));
  await send(url(A), DEV[7], addr(A, 'stablecoin'), 'approve(address,uint256)', addr(A, 'escrow'), dusd(20));
  const { page, context } = await openPage({ account: DEV[7] });
  await go(page, `/orders/${A}/${id}`);
  await connect(page);
  await rpc(url(A), 'evm_setAutomine', [false]);
  try {
    await page.locator('#units').fill('1');
    await page.getByTestId('pledge').click();
    await page.locator('[data-testid=tx-status] [data-state=busy]', { hasText: 'pending' }).waitFor();
    const nonce = Number(BigInt(await rpc(url(A), 'eth_getTransactionCount', [DEV[7], 'latest'])));
    // What "speed up / cancel" in a wallet does: the same nonce, a higher fee, another call.
    await rpc(url(A), 'eth_sendTransaction', [{ from: DEV[7], to: DEV[7], value: '0x0', nonce: '0x' + nonce.toString(16), gasPrice: '0x' + (100n * 10n ** 9n).toString(16) }]);
    await rpc(url(A), 'evm_mine', []);
    const done = page.locator('[data-testid=tx-status] [data-state=info]');
    await done.waitFor({ timeout: 30000 });
    assert.match(await done.innerText(), /replaced by another transaction/);
    assert.equal((await orderState(url(A), addr(A, 'escrow_lens'), id)).units, 0, 'the pledge never happened');
  } finally {
    await rpc(url(A), 'evm_setAutomine', [true]);
  }
  await context.close();
});

test('transparency page: matches the chain, then shows a mismatch when the indexer row is tampered with', async () => {
  const id = await newOrder(A, {});
  const { page, context } = await openPage({});
  await go(page, `/t/${A}/${id}`);
  await page.getByTestId('verdict').waitFor();
  assert.match(await page.getByTestId('verdict').innerText(), /Matches the chain/);
  await page.getByTestId('breakdown').waitFor();
  await shoot(page, 'transparency');
  // The mirror lies about the price: the packed terms it shows (bytes 40..52 hold the unit
  // price) and the price column.
  await query(stack.pgPort, `UPDATE orders SET unit_price = 1, terms_packed = overlay(terms_packed placing '000000000000000000000001' from 83 for 24) WHERE chain_id = ${A} AND order_id = ${id}`);
  await page.reload();
  await page.getByTestId('verdict').waitFor();
  const text = await page.getByTestId('verdict').innerText();
  assert.match(text, /Does not match the chain/);
  assert.doesNotMatch(text, /Matches the chain/);
  await shoot(page, 'transparency-mismatch');
  await context.close();
});

/** Votes (18 decimals) as the app writes them: grouped by thousands, no trailing zeros. */
function votesText(v) {
  const whole = (v / 10n ** 18n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const frac = (v % 10n ** 18n).toString().padStart(18, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : whole;
}

/** An address as the app shortens it: 0x1234…abcd. */
const shortAddr = (a) => `${a.slice(0, 6)}…${a.slice(-4)}`;

test('governance: zero power is stopped; delegation to another account; a treasury allocation proposed from the app, voted For with a reason, queued and executed; the treasury shows its allocations', async () => {
  const gov = addr(A, 'governor');
  const token = addr(A, 'token');
  const treasury = addr(A, 'treasury');
  const E18 = 10n ** 18n;
  const votesOf = async (who) => BigInt(await call(url(A), token, 'getVotes(address)(uint256)', who));
  const balanceOf = async (who) => BigInt(await call(url(A), token, 'balanceOf(address)(uint256)', who));
  const [holder, delegate, fresh] = [DEV[0], DEV[5], DEV[7]];
  // The Governor counts seconds: the test moves the clock past its delay and period.
  const delay = Number(await call(url(A), gov, 'votingDelay()(uint256)'));
  const period = Number(await call(url(A), gov, 'votingPeriod()(uint256)'));
  // A delegate with power of its own, and a fresh holder who never delegates.
  await send(url(A), holder, token, 'transfer(address,uint256)', delegate, String(50000n * E18));
  await send(url(A), delegate, token, 'delegate(address)', delegate);
  await send(url(A), holder, token, 'transfer(address,uint256)', fresh, String(200000n * E18));
  await waitApi(`/v1/governance/delegates?chain_id=${A}`, (v) => v.items.some((d) => d.delegate === delegate));

  // The bootstrap holder has not delegated: the page says its tokens do not count, then it
  // delegates to the delegate it picks from the list.
  const h = await openPage({ account: holder });
  await go(h.page, '/governance');
  await connect(h.page);
  const govChain = (page) => page.locator(`.gov-chain[data-id="${A}"]`);
  const mine = govChain(h.page).getByTestId('your-votes');
  const held = await balanceOf(holder);
  await mine.filter({ hasText: 'not delegated' }).waitFor();
  assert.equal(await mine.innerText(), `Your tokens are not delegated: they do not count until you delegate. You hold ${votesText(held)} CINT.`);
  const row = govChain(h.page).locator(`tr[data-delegate="${delegate}"]`);
  assert.match(await row.innerText(), new RegExp(`^${shortAddr(delegate)}\t${votesText(await votesOf(delegate))}\nfrom 1 account\t`));
  await row.getByRole('button', { name: 'Choose' }).click();
  assert.equal(await h.page.locator(`#delegatee-${A}`).inputValue(), delegate);
  await act(h.page, 'delegate', { within: govChain(h.page) });
  const power = await votesOf(delegate);
  assert.equal(power, 50000n * E18 + held, 'the delegate holds its own votes and the holder\'s');
  assert.equal(await votesOf(holder), 0n);
  await mine.filter({ hasText: 'delegated to' }).waitFor();
  assert.equal(await mine.innerText(), `You have ${votesText(held)} votes, delegated to ${shortAddr(delegate)}, who has ${votesText(power)} votes.`);
  // The list (the API's mirror) catches up with the chain.
  await row.filter({ hasText: votesText(power) }).waitFor({ timeout: 30000 });
  assert.match(await row.innerText(), new RegExp(`^${shortAddr(delegate)}\t${votesText(power)}\nfrom 2 accounts\t`));
  await shoot(h.page, 'governance-delegated');
  await h.context.close();
  // Votes count from the second after the delegation (the Governor reads clock() - 1).
  await warp(url(A), 2);

  // The delegate proposes the allocation from the form: preview in words and percent, a
  // simulation as the timelock, then propose.
  const { page, context } = await openPage({ account: delegate });
  await go(page, '/governance');
  await connect(page);
  await govChain(page).getByTestId('your-votes').filter({ hasText: 'delegated to yourself' }).waitFor();
  assert.match(await govChain(page).getByTestId('your-votes').innerText(), new RegExp(`^You have ${votesText(power)} votes, delegated to yourself\\.`));
  const desc = 'Allocate fees: 60% operations, 40% carbon offsets';
  await page.locator('#p-chain').selectOption(String(A));
  await page.locator('#p-label-0').fill('operations');
  await page.locator('#p-recipient-0').fill(DEV[9]);
  await page.locator('#p-share-0').fill('60');
  await page.locator('#p-label-1').fill('carbon offsets');
  await page.locator('#p-recipient-1').fill(DEV[8]);
  await page.locator('#p-share-1').fill('40');
  await page.locator('#p-desc').fill(desc);
  await page.getByTestId('propose-preview').click();
  await page.getByTestId('propose-draft').waitFor();
  assert.equal(await page.getByTestId('preview-call').innerText(),
    `Treasury.setAllocations: each distribution of fees is shared as operations: 60% to ${DEV[9]}; carbon offsets: 40% to ${DEV[8]}; 0% stays in the treasury.`);
  assert.equal(await page.getByTestId('simulation').innerText(), 'Simulated now as the timelock: would succeed.');
  const threshold = BigInt(await call(url(A), gov, 'proposalThreshold()(uint256)'));
  assert.equal(await page.getByTestId('proposer-votes').innerText(), `You have ${votesText(power)} votes; proposing needs ${votesText(threshold)}.`);
  await shoot(page, 'governance-propose-preview');
  await act(page, 'propose');
  const proposal = (await waitApi('/v1/governance/proposals', (v) => v.items.some((p) => p.description === desc))).items.find((p) => p.description === desc);
  const id = proposal.proposal_id;
  assert.equal(proposal.proposer, delegate);
  const snapshot = BigInt(await call(url(A), gov, 'proposalSnapshot(uint256)(uint256)', id));
  await warp(url(A), delay + 1);

  // A holder who never delegated sees why it cannot vote, and cannot propose: nothing is sent.
  const f = await openPage({ account: fresh });
  await go(f.page, '/governance');
  await connect(f.page);
  const freshVotes = govChain(f.page).getByTestId('your-votes');
  await freshVotes.filter({ hasText: 'not delegated' }).waitFor();
  assert.equal(await freshVotes.innerText(), 'Your tokens are not delegated: they do not count until you delegate. You hold 200,000 CINT.');
  const blocked = f.page.locator(`.card[data-id="${id}"]`).getByTestId('vote-blocked');
  await blocked.waitFor();
  assert.match(await blocked.innerText(), /^You had no voting power when this proposal started \(snapshot \d\d\/\d\d\/\d{4}, \d\d:\d\d:\d\d\): delegate before the next one\.$/);
  assert.equal(await f.page.locator(`.card[data-id="${id}"]`).getByTestId('vote-for').count(), 0, 'no vote button at zero power');
  await f.page.locator('#p-kind').selectOption('fee');
  await f.page.locator('#p-fee').fill('2');
  await f.page.locator('#p-desc').fill('Raise the platform fee to 2%');
  await f.page.getByTestId('propose-preview').click();
  await f.page.getByTestId('propose-draft').waitFor();
  assert.equal(await f.page.getByTestId('preview-call').innerText(), 'Escrow.setFeeBps: the platform fee on new orders becomes 2% (200 basis points).');
  assert.match(await f.page.getByTestId('proposer-votes').innerText(), new RegExp(`^You have 0 votes; proposing needs ${votesText(threshold)}\\.`));
  const refused = await act(f.page, 'propose', { expect: 'error' });
  assert.match(refused, new RegExp(`you have 0 votes and proposing needs ${votesText(threshold)}`));
  await shoot(f.page, 'governance-zero-power');
  assert.ok(!f.wallet.log.includes('eth_sendTransaction'), `nothing sent at zero power: ${f.wallet.log.join(' ')}`);
  await f.context.close();

  // The delegate votes For with a reason: its power at the snapshot, read from the chain.
  await page.reload();
  const card = page.locator(`.card[data-id="${id}"]`);
  const state = card.getByTestId('proposal-state');
  await state.filter({ hasText: 'Active' }).waitFor();
  const atSnapshot = BigInt(await call(url(A), gov, 'getVotes(address,uint256)(uint256)', delegate, String(snapshot)));
  assert.equal(atSnapshot, power);
  assert.match(await card.getByTestId('your-vote').innerText(), new RegExp(`^Your voting power on this proposal: ${votesText(atSnapshot)} votes \\(as of its snapshot, `));
  assert.match(await card.getByTestId('proposal-time').innerText(), /^Voting ends \d\d\/\d\d\/\d{4}, \d\d:\d\d:\d\d\.$/);
  const quorum = BigInt(await call(url(A), gov, 'quorum(uint256)(uint256)', String(snapshot)));
  assert.equal(await card.getByTestId('quorum').innerText(), `Quorum: ${votesText(quorum)} votes (For and Abstain count); 0 so far: not reached yet.`);
  await shoot(page, 'governance-active');
  const reason = 'Operations keep the lights on; offsets for the shipping';
  await card.locator(`#reason-${A}-${id}`).fill(reason);
  await act(page, 'vote-for');
  await card.getByTestId('your-vote').filter({ hasText: 'You voted For' }).waitFor({ timeout: 30000 });
  assert.equal(await card.getByTestId('your-vote').innerText(), `You voted For with ${votesText(atSnapshot)} votes: \u201c${reason}\u201d.`);
  const tally = (await cast(['call', '--rpc-url', url(A), gov, 'proposalVotes(uint256)(uint256,uint256,uint256)', id])).split('\n').map((l) => BigInt(l.trim().split(' ')[0]));
  assert.deepEqual(tally, [0n, atSnapshot, 0n], 'against, for, abstain on chain');
  assert.equal(await card.getByTestId('tally').innerText(), `For ${votesText(tally[1])} · Against 0 · Abstain 0`);
  assert.equal(await card.getByTestId('quorum').innerText(), `Quorum: ${votesText(quorum)} votes (For and Abstain count); ${votesText(tally[1])} so far: reached.`);
  assert.equal(await card.getByTestId('vote-for').count(), 0, 'one vote per account');
  await shoot(page, 'governance-voted');
  // The voter's dashboard: its power now and its delegate as the token says, and the open
  // proposal with its vote, as the Governor counted it.
  await waitApi(`/v1/governance/proposals/${A}/${id}`, (p) => p.votes?.length === 1);
  await go(page, '/dashboard');
  const voterA = page.getByTestId('dash-voter').getByTestId('voter-chain').filter({ hasText: 'local-a' });
  await voterA.waitFor();
  assert.match(await voterA.innerText(), new RegExp(`Voting power ${votesText(await votesOf(delegate))} votes; your tokens' votes go to yourself`));
  const voted = voterA.getByTestId('voter-proposal');
  assert.equal(await voted.count(), 1);
  assert.match(await voted.innerText(), new RegExp(`: you voted For with ${votesText(atSnapshot)} votes: \u201c${reason}\u201d$`));
  await shoot(page, 'dashboard-voter');
  await go(page, '/governance');
  await warp(url(A), period + 1);
  await page.reload();
  await state.filter({ hasText: 'Succeeded' }).waitFor();
  await act(page, 'queue');
  await state.filter({ hasText: 'Queued' }).waitFor();
  await warp(url(A), 2 * 86400 + 1);
  await page.reload();
  await act(page, 'execute');
  await state.filter({ hasText: 'Executed' }).waitFor();
  const alloc = await cast(['call', '--rpc-url', url(A), treasury, 'allocations()((bytes32,address,uint16)[])']).catch(() => '');
  if (alloc) assert.match(alloc.toLowerCase(), new RegExp(DEV[9].slice(2)));
  await waitApi(`/v1/treasury?chain_id=${A}`, (t) => JSON.stringify(t).toLowerCase().includes(DEV[9].slice(2)), 60000);
  // Fees reach the treasury: a one-unit order of 20 dUSD is paid, delivered and approved
  // (fee 1 %: 0.2 dUSD); anyone may then credit the treasury's share and send it there.
  const escrow = addr(A, 'escrow');
  const stable = addr(A, 'stablecoin');
  const feeOrder = await newOrder(A, { minUnits: 1, maxUnits: 1, unitPrice: dusd(20), promoterBps: 0 });
  const packed = (await waitApi(`/v1/orders/${A}/${feeOrder}`)).proof.terms_packed;
  await mint(A, DEV[3], dusd(20));
  await send(url(A), DEV[3], stable, 'approve(address,uint256)', escrow, dusd(20));
  await send(url(A), DEV[3], escrow, 'pledge(uint256,bytes,uint256,address)', feeOrder, packed, 1, ZERO);
  await send(url(A), DEV[3], escrow, 'finalize(uint256,bytes)', feeOrder, packed);
  await send(url(A), DEV[4], escrow, 'deliverMilestone(uint256,bytes,bytes32)', feeOrder, packed, '0x' + '11'.repeat(32));
  await send(url(A), DEV[3], escrow, 'approveMilestone(uint256,bytes)', feeOrder, packed);
  await send(url(A), DEV[0], escrow, 'claim(uint256,bytes,address)', feeOrder, packed, treasury);
  await send(url(A), DEV[0], escrow, 'withdraw(address,address,address)', stable, treasury, treasury);
  const report = await waitApi('/v1/treasury/report', (r) => r.rows.some((x) => x.chain_id === A && BigInt(x.fees_in) > 0n));
  await go(page, '/treasury');
  const chainA = page.locator(`section.chain-report[data-chain="${A}"]`);
  const allocations = chainA.getByTestId('treasury-allocations');
  await allocations.getByText('carbon offsets').waitFor();
  assert.match(await allocations.locator('tr', { hasText: 'operations' }).innerText(), /60%/);
  assert.match(await allocations.locator('tr', { hasText: 'carbon offsets' }).innerText(), /40%/);
  // The monthly table says what the API's report says, in dUSD, for every month with flows.
  const rows = report.rows.filter((r) => r.chain_id === A && r.token.toLowerCase() === stable);
  const flows = rows.map((r) => ({ month: r.month, in: BigInt(r.fees_in) + BigInt(r.received), out: BigInt(r.withdrawn) + BigInt(r.spent) }))
    .filter((r) => r.in > 0n || r.out > 0n);
  assert.ok(flows.length > 0, 'fees were paid on chain A');
  const table = chainA.getByTestId('treasury-months');
  for (const f of flows) {
    const row = table.locator('tr', { hasText: f.month });
    assert.equal(await row.innerText(), `${f.month}\t${dusdText(f.in)}\t${dusdText(f.out)}`);
  }
  assert.equal(await chainA.locator('svg.chart rect').count(), 2 * report.months.length, 'two bars a month');
  // Chain B has its own section.
  await page.locator(`section.chain-report[data-chain="${B}"]`).waitFor();
  await shoot(page, 'treasury-allocations');
  await context.close();
});

test('several wallets announce: a picker lets the user choose', async () => {
  const { page, wallet, context } = await openPage({ account: DEV[9] });
  // A second EIP-6963 wallet that refuses everything: choosing it must not be needed.
  await page.addInitScript(() => {
    const provider = { request: async () => { const e = new Error('Other wallet is locked'); e.code = 4100; throw e; }, on() {}, removeListener() {} };
    const info = Object.freeze({ uuid: '5f1c3e1a-0000-4000-8000-000000000002', name: 'Other Wallet', icon: '', rdns: 'org.example.other' });
    const announce = () => window.dispatchEvent(new CustomEvent('eip6963:announceProvider', { detail: Object.freeze({ info, provider }) }));
    window.addEventListener('eip6963:requestProvider', announce);
  });
  await go(page, '/');
  // The keyboard's first stop is the skip link, which moves the focus to the page's content.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
  await page.getByRole('button', { name: 'Connect wallet' }).click();
  const picker = page.getByRole('dialog', { name: 'Choose a wallet' });
  await picker.waitFor();
  assert.equal(await picker.getByRole('button', { name: /Wallet/ }).count(), 2);
  // The picker takes the focus (its first wallet) and Escape closes it.
  await page.waitForFunction(() => document.activeElement?.classList.contains('wallet-choice'));
  await page.keyboard.press('Escape');
  await picker.waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Connect wallet' }).click();
  await picker.waitFor();
  await shoot(page, 'wallet-picker');
  await picker.getByRole('button', { name: 'Test Wallet' }).click();
  await page.getByTestId('account').waitFor();
  assert.equal(await page.getByTestId('account').getAttribute('title'), DEV[9]);
  assert.ok(wallet.connected);
  await context.close();
});

test('browse and pages render at phone and desktop sizes', async () => {
  const { page, context } = await openPage({});
  // Which WASM modules the browser fetches: the first page only the main one; a page split
  // out with #[lazy] brings its own module when it opens, and nothing of the other pages.
  const modules = [];
  page.on('request', (r) => { if (r.url().endsWith('.wasm')) modules.push(new URL(r.url()).pathname.slice(1)); });
  await go(page, '/');
  await page.getByTestId('order-card').first().waitFor();
  assert.deepEqual(modules.map((m) => m.replace(/\.[0-9a-f]{16}\.wasm$/, '')), ['cointent_app_bg'], 'the first page loads the main module only');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Governance' }).click();
  await page.locator('main h1', { hasText: 'Governance' }).waitFor();
  await page.getByTestId('your-votes').filter({ hasText: 'Connect your wallet to see your votes' }).first().waitFor();
  assert.ok(modules.some((m) => m.startsWith('split_governance_')), `governance brings its module: ${modules}`);
  assert.ok(!modules.some((m) => /^split_(create|treasury|dashboard|order)_/.test(m)), `only governance's: ${modules}`);
  await page.goBack();
  await page.getByTestId('order-card').first().waitFor();
  await shoot(page, 'home');
  // Filters and search narrow the list through the API.
  const cards = page.getByTestId('order-card');
  await page.getByLabel('Status').selectOption('Failed');
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=order-card]')].every((c) => c.innerText.includes('Failed')));
  assert.ok((await cards.count()) >= 1, 'the failed order is listed');
  await page.getByLabel('Status').selectOption('');
  await page.getByLabel('Search').fill('alpaca');
  await page.getByLabel('Search').press('Enter');
  await page.getByLabel('Search').blur();
  await cards.filter({ hasText: 'Alpaca wool blankets' }).waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=order-card]').length === 1);
  // The filters are in the address; Back restores the previous ones.
  assert.match(page.url(), /[?&]q=alpaca(&|$)/);
  await page.goBack();
  await page.waitForFunction(() => location.search === '');
  await page.waitForFunction(() => document.querySelector('#f-q')?.value === '');
  await page.goBack();
  await page.waitForFunction(() => location.search === '?status=Failed');
  await page.waitForFunction(() => document.querySelector('#f-status')?.value === 'Failed');
  await page.waitForFunction(() => { const c = [...document.querySelectorAll('[data-testid=order-card]')]; return c.length > 0 && c.every((x) => x.innerText.includes('Failed')); });
  // The region matches in any case, from its beginning.
  await go(page, '/?region=cus');
  await cards.filter({ hasText: 'Alpaca wool blankets' }).waitFor();
  assert.equal(await page.getByLabel('Region').inputValue(), 'cus');
  // The artisan index: its region explorer lists every region with its artisans as the API
  // counts them, and choosing one lists that region's artisans.
  const facets = await (await fetch(`${base}/v1/catalogue/facets`)).json();
  assert.ok(facets.regions.some((f) => f.value === 'Cusco' && f.artisans >= 1), JSON.stringify(facets.regions));
  await go(page, '/artisans');
  const regions = page.getByTestId('facet-region');
  await regions.waitFor();
  const listed = (await regions.locator('li').allInnerTexts()).map((s) => s.replace(/\s+/g, ' ').trim());
  assert.deepEqual(listed, facets.regions.filter((f) => f.artisans > 0).map((f) => `${f.value} ${f.artisans}`));
  await regions.getByRole('link', { name: /^Cusco / }).click();
  await page.waitForFunction(() => location.search === '?region=Cusco');
  const inCusco = (await (await fetch(`${base}/v1/artisans?region=Cusco`)).json()).items.map((a) => a.name);
  await page.getByTestId('facet-chosen').filter({ hasText: 'Showing: Cusco.' }).waitFor();
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=artisan-card]').length === n, inCusco.length);
  const names = await page.getByTestId('artisan-card').locator('h3').allInnerTexts();
  assert.deepEqual(names, inCusco);
  assert.ok(names.includes('Rosa Quispe'), names.join());
  assert.equal(await regions.getByRole('link', { name: /^Cusco / }).getAttribute('aria-current'), 'true');
  await shoot(page, 'artisans');
  // The app is sent precompressed, its hashed files kept for a year, the page checked again.
  const index = await fetch(base + '/', { headers: { 'accept-encoding': 'br, gzip' } });
  assert.equal(index.headers.get('content-encoding'), 'br');
  assert.equal(index.headers.get('cache-control'), 'no-cache');
  const js = (await index.text()).match(/cointent_app\.[0-9a-f]{16}\.js/)[0];
  const glue = await fetch(`${base}/${js}`, { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(glue.headers.get('content-encoding'), 'gzip');
  assert.equal(glue.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  const wasm = (await glue.text()).match(/cointent_app_bg\.[0-9a-f]{16}\.wasm/)[0];
  const bin = await fetch(`${base}/${wasm}`, { headers: { 'accept-encoding': 'br' } });
  assert.equal(bin.headers.get('content-encoding'), 'br');
  assert.equal(bin.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.equal(bin.headers.get('content-type'), 'application/wasm');
  for (const [p, name] of [['/create', 'create'], ['/dashboard', 'dashboard'], ['/governance', 'governance'], ['/treasury', 'treasury']]) {
    await go(page, p);
    await page.locator('main h1').waitFor();
    await shoot(page, name);
  }
  await context.close();
});

/** The dashboard line of order `id` on chain A in role `role` (maker, backer, promoter,
 * arbiter). */
function dashLine(page, role, id) {
  return page.getByTestId(`dash-${role}`).locator('li', { has: page.locator(`a[href="/orders/${A}/${id}"]`) });
}

/** A dUSD amount (6 decimals) as the app writes it: no trailing zeros. */
function dusdText(v) {
  const whole = v / 1000000n;
  const frac = (v % 1000000n).toString().padStart(6, '0').replace(/0+$/, '');
  return `${whole}${frac ? '.' + frac : ''} dUSD`;
}

/** The toast's text if it is on screen and on top of everything at its centre, else null. */
async function visibleToast(page, state) {
  const toast = page.locator(`[data-testid=tx-status] [data-state=${state}]`);
  await toast.waitFor({ timeout: 60000 });
  const box = await toast.boundingBox();
  const vp = page.viewportSize();
  assert.ok(box && box.y >= 0 && box.y + box.height <= vp.height && box.x >= 0 && box.x + box.width <= vp.width,
    `the toast is inside the ${vp.width}x${vp.height} viewport: ${JSON.stringify(box)}`);
  const onTop = await page.evaluate(([x, y]) => !!document.elementFromPoint(x, y)?.closest('[data-testid=tx-status]'),
    [box.x + box.width / 2, box.y + box.height / 2]);
  assert.ok(onTop, 'nothing covers the toast');
  return toast.innerText();
}

test('transactions on a phone: a pledge over the balance is refused in a visible toast, a double click sends one transaction, a reload during a pending pledge follows it to its end, another tab updates live', async () => {
  const id = await newOrder(A, { minUnits: 1, maxUnits: 10 });
  const who = DEV[9];
  await mint(A, who, dusd(3.5));
  const { page, wallet, context } = await openPage({ account: who });
  await go(page, `/orders/${A}/${id}`);
  await connect(page);
  // The primary action is on the first screen of a phone, wallet connected.
  await page.getByTestId('pledge').waitFor();
  const box = await page.getByTestId('pledge').boundingBox();
  assert.equal(await page.evaluate(() => window.scrollY), 0);
  assert.ok(box.y + box.height <= PHONE.height, `Pledge is on the first screen: ${JSON.stringify(box)}`);
  // Over the balance: refused before any prompt, in the token's units, in a toast a person
  // sees below the connected wallet's header.
  const have = await tokenBalance(A, who);
  assert.ok(have < BigInt(dusd(10)));
  await page.locator('#units').fill('1');
  await page.getByTestId('pledge').click();
  const refused = await visibleToast(page, 'error');
  assert.match(refused, new RegExp(`you have ${dusdText(have).replace('.', '\\.')}, and this pledge needs 10 dUSD`));
  assert.ok(!wallet.log.includes('eth_signTypedData_v4'), 'no permit was asked for');
  await shoot(page, 'toast-over-balance');

  // A double click on Pledge sends one transaction.
  await mint(A, who, dusd(50));
  await send(url(A), who, addr(A, 'stablecoin'), 'approve(address,uint256)', addr(A, 'escrow'), dusd(100));
  await page.locator('[data-testid=tx-status] button[aria-label=Dismiss]').click();
  const sent = () => wallet.log.filter((m) => m === 'eth_sendTransaction').length;
  const before = sent();
  await page.getByTestId('pledge').dblclick();
  assert.match(await visibleToast(page, 'ok'), /Pledge 1 unit: confirmed/);
  assert.equal(sent() - before, 1, 'one transaction for a double click');
  assert.equal((await orderState(url(A), addr(A, 'escrow_lens'), id)).units, 1);

  // Another tab (another visitor) sees the funding move without reloading.
  const other = await openPage({ account: DEV[0] });
  await go(other.page, `/orders/${A}/${id}`);
  await other.page.getByText('1 of 10 units pledged').first().waitFor();

  // A reload while the pledge is pending still shows it, then its result.
  await rpc(url(A), 'evm_setAutomine', [false]);
  try {
    await page.locator('[data-testid=tx-status] button[aria-label=Dismiss]').click();
    await page.locator('#units').fill('2');
    await page.getByTestId('pledge').click();
    await page.locator('[data-testid=tx-status] [data-state=busy]', { hasText: 'pending' }).waitFor();
    assert.equal(await page.getByTestId('pledge').isDisabled(), true, 'the button waits for the transaction');
    assert.equal(await page.getByTestId('pledge').innerText(), 'Pending…');
    await page.reload();
    await page.getByTestId('order').waitFor();
    assert.match(await visibleToast(page, 'busy'), /Pledge 2 units: pending/);
    await rpc(url(A), 'evm_mine', []);
    assert.match(await visibleToast(page, 'ok'), /Pledge 2 units: confirmed/);
  } finally {
    await rpc(url(A), 'evm_setAutomine', [true]);
  }
  const units = (await orderState(url(A), addr(A, 'escrow_lens'), id)).units;
  assert.equal(units, 3);
  await other.page.getByText(`${units} of 10 units pledged`).first().waitFor({ timeout: 20000 });
  await other.context.close();
  await context.close();
});

test('shop on a phone: two products of two artisans in the cart, paid in one transaction; each purchase its own order on the dashboard; a product sells out', async () => {
  // The mirror learns the fee in force from the chain's orders (or a fee change).
  await newOrder(A, {});
  const stable = addr(A, 'stablecoin');
  const shop = addr(A, 'shop');
  const sig = 'list((address,address,address,uint96,uint32,uint32,uint32,uint16,uint16,address,bytes32,(uint16,uint32)[],(address,uint16)[]))';
  const listing = (seller, price, stock) => `(${seller},${ZERO},${stable},${price},${stock},86400,86400,0,500,${DEV[6]},0x${'00'.repeat(32)},[(10000,2592000)],[])`;
  await send(url(A), DEV[4], shop, sig, listing(DEV[4], dusd(12), 5));
  const first = Number(await call(url(A), shop, 'listingCount()(uint256)'));
  await send(url(A), DEV[5], shop, sig, listing(DEV[5], dusd(7.5), 1));
  const second = first + 1;
  await waitApi(`/v1/listings/${A}/${second}`);
  const buyer = DEV[7];
  await mint(A, buyer, dusd(100));
  // One approval for the whole cart (the app would ask for it when the allowance is short).
  await send(url(A), buyer, stable, 'approve(address,uint256)', shop, dusd(100));
  const { page, wallet, context } = await openPage({ account: buyer });
  await go(page, `/products/${A}/${first}`);
  assert.equal(await page.getByTestId('product-price').innerText(), '12 dUSD per unit');
  assert.equal(await page.getByTestId('product-stock').innerText(), '5 in stock, 0 sold');
  assert.match(await page.getByTestId('breakdown').innerText(), /Maker\s+11\.88 dUSD[\s\S]*Platform fee \(treasury\)\s+0\.12 dUSD/);
  // The maker's reputation as the API counts it, and the product's QR code, which encodes
  // this page's address.
  const rep = (await (await fetch(`${base}/v1/accounts/${DEV[4]}`)).json()).reputation.find((r) => r.chain_id === A);
  assert.equal(await page.getByTestId('maker-reputation').innerText(), `Reputation: score ${rep.score}: ${rep.completed_orders} completed orders, ${rep.on_time_milestones} milestones released without a dispute, ${rep.disputes_lost} disputes lost, ${rep.deliveries_missed} deliveries missed`);
  const qrImg = page.getByTestId('product-qr');
  await page.waitForFunction(() => document.querySelector('[data-testid=product-qr]')?.naturalWidth > 0);
  const qrSvg = await (await fetch(base + (await qrImg.getAttribute('src')))).text();
  assert.equal(qrSvg.match(/<title>([^<]+)<\/title>/)[1], `${base}/products/${A}/${first}`);
  await page.locator('#buy-units').fill('2');
  await page.getByTestId('add-to-cart').click();
  await go(page, `/products/${A}/${second}`);
  await page.getByTestId('add-to-cart').click();
  await go(page, '/cart');
  await connect(page);
  assert.equal(await page.getByTestId('cart-total').innerText(), 'Total: 31.5 dUSD');
  await shoot(page, 'cart');
  const before = await tokenBalance(A, buyer);
  const sent = () => wallet.log.filter((m) => m === 'eth_sendTransaction').length;
  const sentBefore = sent();
  assert.match(await act(page, 'pay-cart'), /Pay the cart: confirmed/);
  assert.equal(sent() - sentBefore, 1, 'one transaction for the cart');
  assert.equal(before - (await tokenBalance(A, buyer)), BigInt(dusd(31.5)), 'paid exactly the total');
  const stock = async (id) => Number((await cast(['call', '--rpc-url', url(A), shop, 'listingOf(uint256)(address,address,address,uint256,uint256)', String(id)])).trim().split('\n').pop().split(' ')[0]);
  assert.equal(await stock(first), 3);
  assert.equal(await stock(second), 0);
  // Each item is its own purchase: the buyer's dashboard shows both with their amounts.
  const mine = await waitApi(`/v1/accounts/${buyer}/orders?role=buyer`, (p) => p.items.length >= 2);
  const [o2, o1] = mine.items.slice(0, 2).map((o) => o.order_id);
  await page.waitForFunction(() => location.pathname === '/dashboard');
  await dashLine(page, 'backer', o1).filter({ hasText: '2 units, paid 24 dUSD, refunded 0 dUSD' }).waitFor();
  await dashLine(page, 'backer', o2).filter({ hasText: '1 units, paid 7.5 dUSD, refunded 0 dUSD' }).waitFor();
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'nothing wider than the phone');
  await shoot(page, 'dashboard-buyer');
  // The second product sold out: said so, and nothing to buy.
  await go(page, `/products/${A}/${second}`);
  await page.getByTestId('product-stock').filter({ hasText: 'Sold out' }).waitFor();
  assert.equal(await page.getByTestId('buy').count(), 0);
  await context.close();
});

test('paying from a phone through WalletConnect: a product opened from its URL, two artisans in the cart, paid once from a phone wallet; both purchases on the dashboard; one confirmed, one released after its review window; artisans and partner shop paid their shares', async () => {
  // WalletConnect's public relay cannot be reached here: a stand-in relay (lib/relay.mjs) on
  // loopback, and a second `cointent serve` configured with it ([walletconnect]), so the
  // other flows keep a server without WalletConnect.
  const relay = new StandInRelay();
  const relayUrl = await relay.start();
  const projectId = 'cointent-browser-test';
  const wcBase = await stack.startServer({ name: 'cointent-wc', walletconnect: { project_id: projectId, relay_url: relayUrl } });
  let phone;
  try {
    assert.deepEqual(await (await fetch(`${wcBase}/v1/walletconnect`)).json(), { project_id: projectId, relay_url: relayUrl });
    assert.equal((await (await fetch(`${base}/v1/walletconnect`)).json()).project_id, null, 'no project id: no WalletConnect');
    await newOrder(A, {});
    const stable = addr(A, 'stablecoin');
    const shop = addr(A, 'shop');
    const partner = DEV[8];
    const sig = 'list((address,address,address,uint96,uint32,uint32,uint32,uint16,uint16,address,bytes32,(uint16,uint32)[],(address,uint16)[]))';
    const listing = (seller, price, splits) => `(${seller},${ZERO},${stable},${price},${5},86400,86400,0,500,${DEV[6]},0x${'00'.repeat(32)},[(10000,2592000)],[${splits}])`;
    // The first artisan sells through a partner shop that takes 10% of the net.
    await send(url(A), DEV[4], shop, sig, listing(DEV[4], dusd(12), `(${partner},1000)`));
    const first = Number(await call(url(A), shop, 'listingCount()(uint256)'));
    await send(url(A), DEV[5], shop, sig, listing(DEV[5], dusd(7.5), ''));
    const second = first + 1;
    await waitApi(`/v1/listings/${A}/${second}`);
    const buyer = DEV[9];
    await mint(A, buyer, dusd(100));
    await send(url(A), buyer, stable, 'approve(address,uint256)', shop, dusd(100));

    // A phone's browser: no extension wallet.
    const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.errors = [];
    page.on('pageerror', (e) => page.errors.push(String(e)));
    const scripts = [];
    page.on('request', (r) => { if (r.url().endsWith('.js')) scripts.push(new URL(r.url()).pathname.slice(1)); });
    // The product's QR code (shown on its page, printed on its tag) opens its page on a phone.
    const productQr = await (await fetch(`${wcBase}/v1/qr/listings/${A}/${first}`)).text();
    const scanned = productQr.match(/<title>([^<]+)<\/title>/)[1];
    assert.equal(scanned, `${wcBase}/products/${A}/${first}`);
    await page.goto(scanned);
    await page.getByTestId('product-price').filter({ hasText: '12 dUSD per unit' }).waitFor();
    assert.ok(!scripts.some((s) => s.startsWith('walletconnect.')), `the WalletConnect client is not in the first load: ${scripts}`);
    await page.locator('#buy-units').fill('2');
    await page.getByTestId('add-to-cart').click();
    await page.goto(`${wcBase}/products/${A}/${second}`);
    await page.getByTestId('add-to-cart').click();
    await page.goto(`${wcBase}/cart`);
    const totalText = await page.getByTestId('cart-total').innerText();
    assert.equal(totalText, 'Total: 31.5 dUSD');

    // Connect: the picker offers the phone wallet; the pairing shows "Open in wallet" (a
    // phone) with the wc: URI, and "Copy link".
    await page.getByRole('banner').getByRole('button', { name: 'Connect wallet' }).click();
    await page.getByTestId('wallet-walletconnect').click();
    const pairing = page.getByTestId('wc-pairing');
    await pairing.waitFor();
    assert.ok(scripts.some((s) => /^walletconnect\.[0-9a-f]{16}\.js$/.test(s)), `the bundle is imported when picked: ${scripts}`);
    const open = pairing.getByTestId('wc-open');
    assert.ok(await open.isVisible(), '"Open in wallet" on a phone');
    assert.ok(!(await pairing.locator('.wc-qr').isVisible()), 'no QR code to scan on the phone itself');
    const href = await open.getAttribute('href');
    // "Copy link" puts the same URI on the clipboard: what the phone wallet pairs with.
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: wcBase });
    await pairing.getByTestId('wc-copy').click();
    await pairing.getByTestId('wc-copy').filter({ hasText: 'Link copied' }).waitFor();
    const uri = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(uri, href);
    assert.match(uri, /^wc:[0-9a-f]{64}@2\?/);
    assert.ok(uri.includes(`relay-protocol=irn`) && uri.includes('symKey='), uri);
    await page.screenshot({ path: path.join(SHOTS, 'walletconnect-pairing-phone.png') });
    await accessible(page, 'WalletConnect pairing at 390x844');
    // On a computer the same dialog shows the QR code to scan instead of the link.
    await page.setViewportSize(DESKTOP);
    const qr = pairing.locator('.wc-qr');
    assert.ok((await qr.isVisible()) && !(await open.isVisible()), 'the QR code on a computer');
    assert.equal(await qr.getAttribute('data-uri'), uri);
    assert.match(await qr.innerHTML(), /^<svg[^>]*>[\s\S]*<\/svg>$/);
    await page.screenshot({ path: path.join(SHOTS, 'walletconnect-pairing-desktop.png') });
    await page.setViewportSize(PHONE);
    phone = await new PhoneWallet({ [A]: url(A), [B]: url(B) }, { account: buyer, chainId: A, relayUrl, projectId }).start();
    await phone.pair(uri);
    await page.getByTestId('account').waitFor({ timeout: 30000 });
    assert.equal(await page.getByTestId('account').getAttribute('title'), buyer);
    assert.equal(await pairing.count(), 0, 'the pairing closes once approved');
    assert.ok(relay.log.includes('wc_proposeSession') && relay.log.includes('wc_approveSession'), `paired through the stand-in relay: ${[...new Set(relay.log)]}`);
    assert.deepEqual(phone.proposals[0].optionalNamespaces.eip155.chains, [`eip155:${A}`, `eip155:${B}`]);

    // One transaction for the cart, paid from the phone: exactly the total on screen.
    const before = await tokenBalance(A, buyer);
    const sent = () => phone.log.filter((m) => m === 'eth_sendTransaction').length;
    assert.match(await act(page, 'pay-cart'), /Pay the cart: confirmed/);
    assert.equal(sent(), 1, 'one transaction for the cart');
    const total = BigInt(dusd(Number(totalText.match(/([\d.]+) dUSD/)[1])));
    assert.equal(before - (await tokenBalance(A, buyer)), total, 'paid exactly the total on screen');

    // Both purchases on the dashboard, with the amounts the chain holds for them.
    const mine = await waitApi(`/v1/accounts/${buyer}/orders?role=buyer`, (p) => p.items.length >= 2);
    const [o2, o1] = mine.items.slice(0, 2).map((o) => Number(o.order_id));
    await page.waitForFunction(() => location.pathname === '/dashboard');
    for (const [id, units, paid] of [[o1, 2, 24], [o2, 1, 7.5]]) {
      const line = dashLine(page, 'backer', id);
      await line.filter({ hasText: `${units} units, paid ${paid} dUSD, refunded 0 dUSD` }).waitFor();
      assert.equal((await orderState(url(A), addr(A, 'escrow_lens'), id)).units, units, `order ${id} units on chain`);
    }
    const held = BigInt(dusd(24)) + BigInt(dusd(7.5));
    assert.equal(held, total, 'the two purchases add up to what was paid');
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'nothing wider than the phone');
    await page.screenshot({ path: path.join(SHOTS, 'walletconnect-dashboard-phone.png'), fullPage: true });

    // Each artisan delivers (in the app, from their own browser wallet).
    for (const [seller, id] of [[DEV[4], o1], [DEV[5], o2]]) {
      const s = await openPage({ account: seller });
      await go(s.page, `/orders/${A}/${id}`);
      await connect(s.page);
      await act(s.page, 'deliver', { fill: () => s.page.locator('#proof').fill('https://example.org/shipped') });
      await s.context.close();
    }
    // The buyer confirms the first in the app, signing on the phone: released at once. The
    // page loads anew: the remembered session reconnects without pairing again.
    await page.goto(`${wcBase}/orders/${A}/${o1}`);
    await page.getByTestId('account').waitFor();
    assert.equal(await page.getByTestId('wc-pairing').count(), 0);
    await act(page, 'approve');
    assert.equal(sent(), 2, 'the approval was signed on the phone');
    assert.equal((await orderState(url(A), addr(A, 'escrow_lens'), o1)).status, 4, 'Completed');
    // The second's review window passes; anyone releases it (the default action).
    await warp(url(A), DAY + 1);
    const anyone = await openPage({ account: DEV[2] });
    await go(anyone.page, `/orders/${A}/${o2}`);
    await connect(anyone.page);
    await act(anyone.page, 'release');
    await anyone.context.close();
    assert.equal((await orderState(url(A), addr(A, 'escrow_lens'), o2)).status, 4, 'Completed');

    // Everyone's share, as the Escrow's money scheme computes it from the split table: fee,
    // then the partner's 10% of the net, the artisan the rest.
    const feeBps = BigInt(await call(url(A), addr(A, 'escrow'), 'feeBps()(uint16)'));
    const claimable = async (id, who) => {
      const packed = (await waitApi(`/v1/orders/${A}/${id}`)).proof.terms_packed;
      return BigInt(await call(url(A), addr(A, 'escrow_lens'), 'claimable(uint256,bytes,address)(uint256)', id, packed, who));
    };
    const r1 = BigInt(dusd(24)), r2 = BigInt(dusd(7.5));
    const fee1 = (r1 * feeBps) / 10000n, fee2 = (r2 * feeBps) / 10000n;
    const partnerShare = ((r1 - fee1) * 1000n) / 10000n;
    assert.equal(await claimable(o1, partner), partnerShare, 'the partner shop: 10% of the net');
    assert.equal(await claimable(o1, DEV[4]), r1 - fee1 - partnerShare, 'the first artisan: the rest');
    assert.equal(await claimable(o2, DEV[5]), r2 - fee2, 'the second artisan: all but the fee');
    assert.equal(partnerShare, BigInt(dusd(2.376)));
    // The partner shop claims on chain and holds exactly its share.
    const packed1 = (await waitApi(`/v1/orders/${A}/${o1}`)).proof.terms_packed;
    await send(url(A), partner, addr(A, 'escrow'), 'claim(uint256,bytes,address)', o1, packed1, partner);
    assert.equal(await escrowBalance(A, partner), partnerShare);

    // Disconnecting ends the session in the phone wallet too.
    await page.goto(`${wcBase}/dashboard`);
    await page.getByTestId('account').waitFor();
    await page.getByRole('button', { name: 'Disconnect' }).click();
    await page.getByRole('banner').getByRole('button', { name: 'Connect wallet' }).waitFor();
    const end = Date.now() + 10000;
    while (phone.client.session.getAll().length && Date.now() < end) await sleep(100);
    assert.equal(phone.client.session.getAll().length, 0, 'the phone wallet saw the session end');
    assert.deepEqual(page.errors, []);
    await context.close();
  } finally {
    await phone?.stop();
    await relay.stop();
    await stack.stopProcess('cointent-wc');
  }
});

test('WalletConnect errors are said in words: a relay that cannot be reached, a connection declined in the phone wallet', async () => {
  // A relay URL nothing listens on (the port of a closed stand-in).
  const relay = new StandInRelay();
  const relayUrl = await relay.start();
  await relay.stop();
  const wcBase = await stack.startServer({ name: 'cointent-wc-down', walletconnect: { project_id: 'cointent-browser-test', relay_url: relayUrl } });
  const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 1 });
  const page = await context.newPage();
  await page.goto(`${wcBase}/cart`);
  await page.getByRole('banner').getByRole('button', { name: 'Connect wallet' }).click();
  await page.getByTestId('wallet-walletconnect').click();
  const said = page.locator('[data-testid=tx-status] [data-state=info]');
  await said.waitFor({ timeout: 40000 });
  assert.match(await said.innerText(), new RegExp(`The WalletConnect relay \\(${relayUrl.replace(/[.]/g, '\\.')}\\) cannot be reached`));
  assert.equal(await page.getByTestId('wc-pairing').count(), 0);
  await context.close();
  await stack.stopProcess('cointent-wc-down');
  // A live relay, and a phone wallet whose user declines the connection.
  const live = new StandInRelay();
  const liveUrl = await live.start();
  const liveBase = await stack.startServer({ name: 'cointent-wc-reject', walletconnect: { project_id: 'cointent-browser-test', relay_url: liveUrl } });
  const phone = await new PhoneWallet({ [A]: url(A) }, { account: DEV[9], chainId: A, relayUrl: liveUrl, projectId: 'cointent-browser-test' }).start();
  phone.rejectProposals = true;
  const c2 = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 1 });
  const p2 = await c2.newPage();
  try {
    await p2.goto(`${liveBase}/cart`);
    await p2.getByRole('banner').getByRole('button', { name: 'Connect wallet' }).click();
    await p2.getByTestId('wallet-walletconnect').click();
    await phone.pair(await p2.getByTestId('wc-open').getAttribute('href'));
    const declined = p2.locator('[data-testid=tx-status] [data-state=error]');
    await declined.waitFor({ timeout: 30000 });
    assert.match(await declined.innerText(), /You declined the connection in your wallet\./);
    assert.equal(await p2.getByTestId('wc-pairing').count(), 0);
    assert.equal(await p2.getByTestId('account').count(), 0, 'not connected');
  } finally {
    await c2.close();
    await phone.stop();
    await live.stop();
    await stack.stopProcess('cointent-wc-reject');
  }
});

/** A PNG of `w`x`h` pixels in one colour, made here (zlib and its crc32): a picture to upload. */
function solidPng(w, h, [r, g, b]) {
  const chunk = (type, data) => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([head, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: w }, () => [r, g, b]).flat())]);
  const idat = zlib.deflateSync(Buffer.concat(Array.from({ length: h }, () => row)));
  return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

/** Signs dev account `account` in with Ethereum against the server (anvil signs); the token. */
async function signInApi(account) {
  const nonce = (await (await fetch(`${base}/v1/auth/nonce`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json()).nonce;
  const host = new URL(base).host;
  const checksummed = await cast(['to-check-sum-address', account]);
  const message = `${host} wants you to sign in with your Ethereum account:\n${checksummed}\n\nSign in to Co-Intent to publish order metadata.\n\nURI: ${base}\nVersion: 1\nChain ID: ${A}\nNonce: ${nonce}\nIssued At: ${new Date().toISOString()}`;
  const signature = await rpc(url(A), 'personal_sign', ['0x' + Buffer.from(message).toString('hex'), account]);
  const r = await fetch(`${base}/v1/auth/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message, signature }) });
  const body = await r.text();
  assert.equal(r.status, 200, `sign-in: ${body}`);
  return JSON.parse(body).token;
}

/** Uploads `bytes` as a picture with `token`: status and answer. */
async function uploadPicture(token, bytes, type = 'image/png') {
  const r = await fetch(`${base}/v1/pictures`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': type }, body: bytes });
  return [r.status, await r.json()];
}

test('product pictures: uploaded and linked through the metadata; the products list shows the thumbnail and the product page the picture itself, with the name as alt text', async () => {
  const artisan = DEV[3];
  const token = await signInApi(artisan);
  const png = solidPng(640, 480, [180, 60, 20]);
  const [status, picture] = await uploadPicture(token, png);
  assert.equal(status, 201, JSON.stringify(picture));
  assert.equal(picture.hash, '0x' + crypto.createHash('sha256').update(png).digest('hex'));
  assert.deepEqual([picture.width, picture.height], [640, 480]);
  const doc = JSON.stringify({
    schema: 'cointent.metadata/1', kind: 'sale', title: 'Terracotta water jar', images: [picture.url],
    product: { name: 'Terracotta water jar' },
    artisan: { address: artisan, name: 'Meena Prajapati', region: 'Kutch', craft: 'pottery', story: 'Thrown on a kick wheel.' },
  });
  const r = await fetch(`${base}/v1/metadata`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: doc });
  const stored = await r.text();
  assert.ok(r.status === 201 || r.status === 200, stored);
  const { hash } = JSON.parse(stored);
  const shop = addr(A, 'shop');
  const sig = 'list((address,address,address,uint96,uint32,uint32,uint32,uint16,uint16,address,bytes32,(uint16,uint32)[],(address,uint16)[]))';
  await send(url(A), artisan, shop, sig, `(${artisan},${ZERO},${addr(A, 'stablecoin')},${dusd(9)},3,86400,86400,0,500,${DEV[6]},${hash},[(10000,2592000)],[])`);
  const id = Number(await call(url(A), shop, 'listingCount()(uint256)'));
  await waitApi(`/v1/listings/${A}/${id}`, (l) => l.summary?.image === picture.url || l.image === picture.url);

  const { page, context } = await openPage();
  await go(page, '/products');
  const card = page.getByTestId('product-card').filter({ hasText: 'Terracotta water jar' });
  const thumb = card.getByTestId('product-thumb');
  await thumb.waitFor();
  assert.equal(await thumb.getAttribute('src'), picture.thumbnail_url, 'the thumbnail of the uploaded picture');
  assert.equal(await thumb.getAttribute('alt'), 'Terracotta water jar');
  await page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await thumb.elementHandle());
  // The thumbnail as served: at most 320 pixels on its longest side, the aspect kept.
  const [tw, th] = await thumb.evaluate((el) => [el.naturalWidth, el.naturalHeight]);
  assert.deepEqual([tw, th], [320, 240]);

  await go(page, `/products/${A}/${id}`);
  const shown = page.getByTestId('product-picture');
  await shown.waitFor();
  const src = await shown.getAttribute('src');
  assert.equal(src.split('/').pop(), picture.hash, 'the page shows the uploaded picture');
  assert.equal(await shown.getAttribute('alt'), 'Terracotta water jar');
  await page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await shown.elementHandle());
  assert.deepEqual(await shown.evaluate((el) => [el.naturalWidth, el.naturalHeight]), [640, 480]);
  // What the browser got is the uploaded file, byte for byte.
  const served = Buffer.from(await (await fetch(src)).arrayBuffer());
  assert.ok(served.equals(png));
  await context.close();
});

test('list a product on a phone: the form uploads pictures (refusing a wrong type and an oversized file with the server\'s message) and lists it; the seller changes price and stock; an earlier purchase keeps its price', async () => {
  const artisan = DEV[2];
  const shop = addr(A, 'shop');
  const stable = addr(A, 'stablecoin');
  const { page, context } = await openPage({ account: artisan });
  await go(page, '/sell');
  await connect(page);
  await page.getByLabel('Product name').fill('Kantha quilt');
  await page.getByLabel('Description').fill('A quilt of five layers of old saris, hand-stitched.');
  await page.getByLabel("The maker's story").fill('Stitched by the women of a village near Bolpur.');
  await page.getByLabel('Category').fill('textiles');
  await page.getByLabel('Craft').fill('kantha embroidery');
  await page.getByLabel('Region').fill('Birbhum, West Bengal');
  const files = page.locator('#s-pictures');
  // A text file: the server's 415 names the accepted types.
  await files.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a picture') });
  await page.getByTestId('picture-error').filter({ hasText: /notes\.txt: .*image\/png, image\/jpeg, image\/webp/ }).waitFor();
  // Over the 2 MiB limit: the server's 413 says the limit.
  const big = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), crypto.randomBytes(2 * 1024 * 1024 + 10)]);
  await files.setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: big });
  await page.getByTestId('picture-error').filter({ hasText: /huge\.png: a picture is at most 2097152 bytes/ }).waitFor();
  assert.equal(await page.getByTestId('sell-thumb').count(), 0, 'nothing refused is shown');
  const png = solidPng(800, 600, [30, 90, 160]);
  const hash = '0x' + crypto.createHash('sha256').update(png).digest('hex');
  await files.setInputFiles({ name: 'quilt.png', mimeType: 'image/png', buffer: png });
  const thumb = page.getByTestId('sell-thumb');
  await thumb.waitFor();
  assert.equal(await thumb.getAttribute('src'), `${base}/v1/pictures/${hash}/thumbnail`);
  await page.waitForFunction((el) => el.complete && el.naturalWidth === 320, await thumb.elementHandle());
  await shoot(page, 'sell');
  await page.getByLabel('Paid in').selectOption(stable);
  await page.getByLabel('Unit price').fill('12.5');
  await page.getByLabel('Stock (units for sale)').fill('7');
  await page.getByLabel('Review period (days, at least 1)').fill('2');
  await page.getByLabel('Arbiter (rules on disputes)').fill(DEV[6]);
  await page.getByLabel('Partner shop address (optional)').fill(DEV[5]);
  await page.getByLabel("Partner's share (%)").fill('10');
  await page.getByLabel("Promoters' share (%)").fill('5');
  await act(page, 'list-product');
  await page.waitForURL(/\/products\/31337\/\d+$/);
  const id = page.url().split('/').pop();
  // What the chain holds: seller, partner, token, price, stock.
  const onChain = async () => (await cast(['call', '--rpc-url', url(A), shop, 'listingOf(uint256)(address,address,address,uint256,uint256)', id])).trim().split('\n').map((l) => l.split(' ')[0]);
  let [seller, partner, token, price, stock] = await onChain();
  assert.deepEqual([seller.toLowerCase(), partner.toLowerCase(), token.toLowerCase(), price, stock], [artisan, DEV[5], stable, dusd(12.5), '7']);
  await waitApi(`/v1/listings/${A}/${id}`, (l) => l.image === `${base}/v1/pictures/${hash}`);
  await page.reload();
  await page.getByTestId('product-title').filter({ hasText: 'Kantha quilt' }).waitFor();
  assert.equal(await page.getByTestId('product-price').innerText(), '12.5 dUSD per unit');
  assert.equal(await page.getByTestId('product-stock').innerText(), `${stock} in stock, 0 sold`);
  const shown = page.getByTestId('product-picture');
  assert.equal((await shown.getAttribute('src')).split('/').pop(), hash);
  assert.equal(await shown.getAttribute('alt'), 'Kantha quilt');
  await page.waitForFunction((el) => el.complete && el.naturalWidth === 800, await shown.elementHandle());
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'nothing wider than the phone');

  // Someone buys one unit at 12.5.
  const buyer = DEV[8];
  await mint(A, buyer, dusd(100));
  await send(url(A), buyer, stable, 'approve(address,uint256)', shop, dusd(100));
  await send(url(A), buyer, shop, 'buy(uint256,uint32,address,uint256)', id, '1', ZERO, dusd(12.5));
  const detail = await waitApi(`/v1/listings/${A}/${id}`, (l) => l.purchases === 1);
  const orderId = detail.recent_purchases[0].order_id;
  assert.equal(detail.recent_purchases[0].unit_price, dusd(12.5));

  // The seller changes price and stock from the product page.
  const change = page.getByTestId('change-listing');
  await page.reload();
  await change.waitFor();
  await act(page, 'update-listing', {
    fill: async () => {
      await page.locator('#u-price').fill('15');
      await page.locator('#u-stock').fill('20');
    },
  });
  [seller, partner, token, price, stock] = await onChain();
  assert.deepEqual([price, stock], [dusd(15), '20']);
  await page.getByTestId('product-price').filter({ hasText: '15 dUSD per unit' }).waitFor({ timeout: 30000 });
  await page.getByTestId('product-stock').filter({ hasText: '20 in stock, 1 sold' }).waitFor({ timeout: 30000 });
  // The earlier purchase keeps its price: on the chain's order record and the API's order.
  const order = await waitApi(`/v1/orders/${A}/${orderId}`);
  assert.equal(order.terms.unit_price, dusd(12.5));
  assert.equal(order.terms.seller, artisan);
  await go(page, `/orders/${A}/${orderId}`);
  await page.getByText('12.5 dUSD').first().waitFor();
  await context.close();
});

// ---------------------------------------------------------------- Hindi

/** Words the Hindi pages may show in Latin letters: names, symbols and standards that are
 * written so in Hindi too. Everything else in Latin letters is English left untranslated. */
const LATIN_ALLOWED = new Set(['Co-Intent', 'dUSD', 'ETH', 'CINT', 'QR', 'WalletConnect', 'MetaMask', 'English', 'JSON', 'RPC']);

/** Every string value of the API's JSON answers (`data`) except the lifecycle's names
 * (status, kind, state...), which the app translates. */
function dataStrings(data) {
  const out = new Set();
  const skip = new Set(['status', 'kind', 'state', 'outcome', 'support', 'milestone_state', 'role', 'type']);
  // A bytes32 label (a treasury allocation's) is text the app decodes: its words are data too.
  const label = (hex) => Buffer.from(hex.slice(2), 'hex').toString('utf8').replace(/\0+$/, '');
  const walk = (v, key) => {
    if (typeof v === 'string' && /^0x[0-9a-f]{64}$/.test(v) && /^[\x20-\x7e]+$/.test(label(v))) out.add(label(v));
    if (typeof v === 'string') { if (!skip.has(key) && !key?.endsWith('_status')) out.add(v); }
    else if (Array.isArray(v)) v.forEach((x) => walk(x, key));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(data);
  // Only strings with letters: removing a number ("0") from the text would cut words apart.
  return [...out].filter((s) => /[A-Za-z]/.test(s) && !/^0x[0-9a-fA-F]*$/.test(s)).sort((a, b) => b.length - a.length);
}

/** A page opened in a context that answers every `/v1/` JSON it fetched into `page.data`. */
async function openRecorded(opts) {
  const opened = await openPage(opts);
  opened.page.data = [];
  opened.page.on('response', async (r) => {
    if (!r.url().includes('/v1/') || !(r.headers()['content-type'] || '').includes('json')) return;
    try { opened.page.data.push(await r.json()); } catch { /* a body already gone */ }
  });
  return opened;
}

/** The Latin-letter words on the page (text people read, and the aria-labels, placeholders
 * and alt texts people hear), once the data's own strings, addresses, hashes, numbers, code
 * names (`Treasury.setAllocations`) and the allowed words are taken out. */
async function englishLeft(page) {
  const texts = await page.evaluate(() => [
    document.body.innerText,
    ...[...document.querySelectorAll('[aria-label], [placeholder], img[alt]')].map((e) =>
      [e.getAttribute('aria-label'), e.getAttribute('placeholder'), e.getAttribute('alt')].filter(Boolean).join(' ')),
  ].join('\n'));
  let rest = texts
    .replace(/0x[0-9a-fA-F]*(…[0-9a-fA-F]*)?/g, ' ')
    .replace(/https?:\/\/\S+/g, ' ');
  for (const s of dataStrings(page.data)) rest = rest.split(s).join(' ');
  rest = rest.replace(/\b[A-Za-z]\w*\.[a-z]\w*\b/g, ' ');
  for (const w of LATIN_ALLOWED) rest = rest.split(w).join(' ');
  return [...new Set(rest.match(/[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]{2,}/g) ?? [])];
}

/** Opens `p` in Hindi, waits for `ready` and for every load to end, and checks the page: `<html
 * lang="hi">`, no English word left, screenshots at both sizes with axe. */
async function hindiPage(page, p, name, ready) {
  await go(page, p);
  await ready();
  await page.waitForFunction(() => !document.querySelector('main [aria-busy=true]'));
  await sleep(300);
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'hi', `${name}: <html lang>`);
  const left = await englishLeft(page);
  assert.deepEqual(left, [], `${name} (${p}) shows English in Hindi: ${left.join(', ')}`);
  await shoot(page, `hi-${name}`);
}

test('hindi: every page in Hindi (remembered switch, <html lang>, lakh grouping, Hindi dates), no English word left', async () => {
  // What the pages show, made here so this flow also runs alone: an order with its maker's
  // metadata (made through the form, in English), an order worth lakhs, a product.
  const en = await openPage({ account: DEV[4] });
  const made = await createThroughForm(en.page, en.wallet);
  await en.context.close();
  const big = await newOrder(A, { unitPrice: dusd(150000), maxUnits: 20 });
  const shop = addr(A, 'shop');
  const sig = 'list((address,address,address,uint96,uint32,uint32,uint32,uint16,uint16,address,bytes32,(uint16,uint32)[],(address,uint16)[]))';
  await send(url(A), DEV[4], shop, sig, `(${DEV[4]},${ZERO},${addr(A, 'stablecoin')},${dusd(1250)},4,86400,86400,0,500,${DEV[6]},0x${'00'.repeat(32)},[(10000,2592000)],[])`);
  const listing = Number(await call(url(A), shop, 'listingCount()(uint256)'));
  await waitApi(`/v1/listings/${A}/${listing}`);

  // The switch: English first, Hindi once chosen, and still Hindi after a reload.
  const { page, context, wallet } = await openRecorded({ account: DEV[4] });
  // The shop's pages in English too (the other pages are photographed by the other flows).
  await go(page, '/products');
  await page.getByTestId('product-card').first().waitFor();
  await shoot(page, 'products');
  await go(page, `/products/${A}/${listing}`);
  assert.equal(await page.getByTestId('product-price').innerText(), '1250 dUSD per unit');
  await shoot(page, 'product');
  await go(page, '/');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  await page.getByTestId('lang-switch').click();
  await page.waitForFunction(() => document.documentElement.lang === 'hi' && document.querySelector('header.top'));
  assert.equal(await page.evaluate(() => localStorage.getItem('cointent.lang')), 'hi');
  await page.reload();
  await page.waitForSelector('header.top');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'hi', 'the choice is remembered');
  assert.equal(await page.getByTestId('lang-switch').innerText(), 'English');
  // The catalogue is fetched only in Hindi, and checked again on every visit.
  const cat = await fetch(`${base}/i18n/hi.json`, { headers: { 'accept-encoding': 'br' } });
  assert.equal(cat.headers.get('content-encoding'), 'br');
  assert.equal(cat.headers.get('cache-control'), 'no-cache');

  await hindiPage(page, '/', 'home', () => page.getByTestId('order-card').first().waitFor());
  await hindiPage(page, `/orders/${A}/${made}`, 'order', () => page.getByTestId('order').waitFor());
  // Lakhs and crores, and the date in Hindi (its month in Devanagari).
  await hindiPage(page, `/orders/${A}/${big}`, 'order-lakhs', () => page.getByTestId('order').waitFor());
  const record = await page.getByTestId('order').innerText();
  assert.match(record, /1,50,000 dUSD/, 'an amount in lakhs');
  assert.match(record, /\d{1,2} (जनवरी|फ़रवरी|मार्च|अप्रैल|मई|जून|जुलाई|अगस्त|सितंबर|अक्तूबर|नवंबर|दिसंबर) \d{4}/, 'a date in Hindi');
  await hindiPage(page, `/t/${A}/${made}`, 'transparency', () => page.getByTestId('verdict').waitFor());
  await hindiPage(page, '/create', 'create', () => page.locator('#c-title').waitFor());
  await hindiPage(page, '/products', 'products', () => page.getByTestId('product-card').first().waitFor());
  await hindiPage(page, `/products/${A}/${listing}`, 'product', () => page.getByTestId('product').waitFor());
  assert.match(await page.getByTestId('product-price').innerText(), /^1,250 dUSD प्रति यूनिट$/);
  await page.getByTestId('add-to-cart').click();
  await hindiPage(page, '/cart', 'cart', () => page.getByTestId('cart').waitFor());
  await hindiPage(page, `/artisans/${DEV[4]}`, 'artisan', () => page.getByText('Rosa learned backstrap weaving').waitFor());
  await go(page, '/dashboard');
  await page.getByRole('button', { name: 'वॉलेट कनेक्ट करें' }).first().click();
  await page.getByTestId('account').waitFor();
  await hindiPage(page, '/dashboard', 'dashboard', () => page.getByTestId('dash-maker').waitFor());
  // The treasury first: its answer names the allocations (their labels are people's words,
  // not the app's), which the governance page shows in proposals decoded from calldata.
  await hindiPage(page, '/treasury', 'treasury', () => page.locator('main .chain-report').first().waitFor());
  await hindiPage(page, '/governance', 'governance', () => page.locator('[data-testid=your-votes]').first().waitFor());
  // A wallet step in Hindi: a pledge over the balance is refused in a Hindi toast, in lakhs.
  await go(page, `/orders/${A}/${big}`);
  await page.getByTestId('pledge').waitFor();
  const toast = await act(page, 'pledge', { expect: 'error' });
  assert.match(toast, /^1 यूनिट का योगदान करें विफल: आपके पास .+ है, और इस योगदान के लिए 1,50,000 dUSD चाहिए।/);
  assert.equal(wallet.log.filter((m) => m === 'eth_sendTransaction').length, 0, 'nothing was sent');
  assert.deepEqual(page.errors.filter((e) => !e.includes('404')), []);
  await context.close();

  // A browser set to Hindi opens in Hindi; switching back to English reads as before.
  const hi = await browser.newContext({ viewport: PHONE, locale: 'hi-IN' });
  const p2 = await hi.newPage();
  await p2.goto(base + '/');
  await p2.waitForSelector('header.top');
  assert.equal(await p2.evaluate(() => document.documentElement.lang), 'hi', 'navigator.language hi-IN');
  await p2.getByText('साथ मिलकर ऑर्डर करें, सुरक्षित भुगतान करें').waitFor();
  await p2.getByTestId('lang-switch').click();
  await p2.waitForFunction(() => document.documentElement.lang === 'en' && document.querySelector('header.top'));
  await p2.getByText('Order together, pay safely').waitFor();
  await p2.reload();
  await p2.waitForSelector('header.top');
  assert.equal(await p2.evaluate(() => document.documentElement.lang), 'en', 'English is remembered over the browser language');
  await hi.close();
});

// ---------------------------------------------------------------- runner

const filter = process.argv[2];
const chosen = tests.filter((t) => !filter || t.name.includes(filter));
let failed = 0;
stack = new Stack();
const stop = async () => {
  if (browser) await browser.close().catch(() => {});
  await stack.stop();
};
process.on('SIGINT', () => stop().then(() => process.exit(130)));
process.on('SIGTERM', () => stop().then(() => process.exit(143)));
try {
  console.log('starting anvil x2, deploying, starting cointent serve');
  await stack.startChain(A);
  await stack.startChain(B);
  await stack.deploy(A);
  await stack.deploy(B);
  base = await stack.startServer();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  for (const t of chosen) {
    const start = Date.now();
    try {
      await t.fn();
      console.log(`ok    ${t.name} (${((Date.now() - start) / 1000).toFixed(1)} s)`);
    } catch (e) {
      failed++;
      console.log(`FAIL  ${t.name}\n      ${String(e.stack || e).split('\n').slice(0, 6).join('\n      ')}`);
      for (const ctx of browser.contexts()) {
        for (const [i, p] of ctx.pages().entries()) {
          await p.screenshot({ path: path.join(ART, `failure-${tests.indexOf(t)}-${i}.png`), fullPage: true }).catch(() => {});
          if (p.errors?.length) console.log(`      page errors: ${p.errors.slice(0, 5).join(' | ')}`);
        }
        await ctx.close().catch(() => {});
      }
    }
  }
} catch (e) {
  failed++;
  console.log(`FAIL  setup: ${e.stack || e}`);
} finally {
  await stop();
}
console.log(`browser tests: ${chosen.length - failed} passed, ${failed} failed (artifacts: artifacts/browser/)`);
process.exit(failed ? 1 : 0);
