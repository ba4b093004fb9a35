// Checks a running stack started by script/dev (called by script/stack-test):
// through the API, that the demo world exists on both chains in every state (with the
// shop's listings, their pictures, stock and sales); then, in
// headless Chromium, that the home page and a transparency page render it.
//   node tests/stack/check.mjs http://127.0.0.1:PORT
import crypto from 'node:crypto';
import { chromium } from 'playwright-core';

const base = process.argv[2];
if (!base) {
  console.error('usage: node tests/stack/check.mjs BASE_URL');
  process.exit(2);
}
const CHAINS = [31337, 31338];
let failures = 0;
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures += 1;
};

async function get(path) {
  const res = await fetch(base + path);
  const text = await res.text();
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

async function orders(query) {
  const page = await get(`/v1/orders?${new URLSearchParams({ limit: '100', ...query })}`);
  return page.items;
}

// The seeding just ended: let the indexer reach both heads first.
for (let i = 0; ; i++) {
  const chains = await get('/v1/chains');
  const list = chains.items ?? chains;
  if (CHAINS.every((id) => list.some((c) => c.chain_id === id && c.lag === 0))) break;
  if (i === 300) throw new Error(`the indexer did not catch up: ${JSON.stringify(list)}`);
  await new Promise((r) => setTimeout(r, 100));
}

for (const chain of CHAINS) {
  const c = String(chain);
  const all = await orders({ chain_id: c });
  // The shop: products listed with pictures and stock, bought through buy and buyCart.
  const listings = (await get(`/v1/listings?chain_id=${c}&limit=50`)).items;
  check(listings.length === 3, `chain ${c}: 3 shop listings (found ${listings.length})`);
  check(listings.every((l) => l.stock > 0 && !l.sold_out), `chain ${c}: every listing has stock`);
  const purchases = listings.reduce((n, l) => n + l.purchases, 0);
  check(listings.every((l) => l.purchases > 0 && l.sold > 0), `chain ${c}: every listing has sales (${purchases} purchases)`);
  for (const l of listings) {
    const hash = /\/v1\/pictures\/(0x[0-9a-f]{64})$/.exec(l.image ?? '')?.[1];
    check(hash, `chain ${c}: listing ${l.listing_id} (${l.title}) has one of our pictures (${l.image})`);
    if (!hash) continue;
    const picture = await fetch(l.image);
    const bytes = Buffer.from(await picture.arrayBuffer());
    const sha = '0x' + crypto.createHash('sha256').update(bytes).digest('hex');
    check(picture.ok && picture.headers.get('content-type') === 'image/png' && sha === hash,
      `chain ${c}: listing ${l.listing_id}'s picture loads, a PNG whose sha256 is its name`);
    const thumb = await fetch(`${l.image}/thumbnail`);
    check(thumb.ok && /^image\/(jpeg|png)$/.test(thumb.headers.get('content-type')) && (await thumb.arrayBuffer()).byteLength > 0,
      `chain ${c}: listing ${l.listing_id}'s thumbnail loads`);
  }
  // Every purchase is its own order, beside the 14 the demo creates directly.
  check(all.length === 14 + purchases, `chain ${c}: 14 demo orders and ${purchases} purchases (found ${all.length})`);
  check(all.every((o) => o.title), `chain ${c}: every order has its metadata (title)`);
  for (const kind of ['collective', 'sale', 'freelance']) {
    const list = await orders({ chain_id: c, kind });
    check(list.length > 0 && list.every((o) => o.kind === kind), `chain ${c}: ${kind} orders (${list.length})`);
  }
  for (const status of ['Funding', 'Active', 'Failed', 'Cancelled', 'Completed', 'Resolved', 'Expired']) {
    const list = await orders({ chain_id: c, status });
    check(list.length > 0 && list.every((o) => o.status === status), `chain ${c}: ${status} orders (${list.length})`);
  }
  const details = await Promise.all(all.map((o) => get(`/v1/orders/${c}/${o.order_id}`)));
  const active = details.filter((d) => d.status === 'Active');
  check(active.some((d) => d.released === '0' && d.milestones.every((m) => m.state !== 'Delivered' && m.state !== 'Disputed')),
    `chain ${c}: a funded order waiting for its first delivery`);
  check(active.some((d) => d.released !== '0' && d.milestones.some((m) => m.state === 'Delivered')),
    `chain ${c}: a delivering order (a milestone released, the next one in review)`);
  check(active.some((d) => d.disputes.some((x) => !x.resolved)), `chain ${c}: an open dispute`);
  check(details.some((d) => d.status === 'Resolved' && d.disputes.some((x) => x.outcome === 'Ended' && x.withheld_amount !== '0')),
    `chain ${c}: a dispute ruled, part withheld and the order ended`);
  check(details.some((d) => d.status === 'Completed' && d.disputes.some((x) => x.outcome === 'Dismissed')),
    `chain ${c}: a dismissed dispute, the order then completed`);
  check(details.some((d) => d.status === 'Resolved' && d.disputes.some((x) => x.outcome === 'ByDefault')),
    `chain ${c}: a dispute the arbiter did not rule in time, ended by the default ruling`);
  for (const status of ['Cancelled', 'Expired']) {
    const ended = details.filter((d) => d.status === status);
    check(ended.length > 0 && ended.every((d) => d.refunded === d.funded && d.funded !== '0'),
      `chain ${c}: ${status.toLowerCase()} order refunded in full`);
  }
  const failed = details.filter((d) => d.status === 'Failed');
  check(failed.length > 0 && failed.every((d) => d.refunded === d.funded && d.funded !== '0'),
    `chain ${c}: failed order refunded in full`);
  check(details.some((d) => d.kind === 'freelance' && d.milestone_count > 1 && d.status === 'Completed'),
    `chain ${c}: a freelance job completed milestone by milestone`);
  check(details.some((d) => d.terms.splits.length > 0 && d.status === 'Completed'), `chain ${c}: a completed sale with a partner split`);
  check(details.some((d) => d.promotions.some((p) => p.commission_claimed !== '0')), `chain ${c}: promoters paid their commission`);

  const proposals = (await get(`/v1/governance/proposals?chain_id=${c}`)).items;
  check(proposals.some((p) => p.state === 'Executed'), `chain ${c}: an executed proposal`);
  check(proposals.some((p) => p.state === 'Created' && p.voting === 'active'), `chain ${c}: a proposal in voting`);
  const delegates = await get(`/v1/governance/delegates?chain_id=${c}`);
  const ds = delegates.items ?? delegates;
  check(ds.some((d) => d.delegators > 1), `chain ${c}: a delegate with several delegators`);

  const treasury = await get(`/v1/treasury?chain_id=${c}`);
  check(treasury.allocations.length === 3, `chain ${c}: treasury allocations set by governance`);
  const report = await get(`/v1/treasury/report?chain_id=${c}`);
  const months = new Set(report.rows.filter((r) => r.fees_in !== '0' || r.distributed !== '0').map((r) => r.month));
  check(months.size >= 2, `chain ${c}: treasury report with flows in ${months.size} months`);
}
const artisans = await get('/v1/artisans');
const list = artisans.items ?? artisans;
const regions = new Set(list.map((a) => a.region));
check(list.length >= 6 && regions.size >= 5, `artisans: ${list.length} from ${regions.size} regions`);

// The browser: home page and a transparency page.
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true });
try {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(base + '/', { waitUntil: 'load' });
  const home = await page.waitForFunction(() => document.body.innerText.includes('Channapatna'), null, { timeout: 30000 })
    .then(() => true, () => false);
  check(home, 'home page shows the demo orders');
  const completed = (await orders({ chain_id: '31337', status: 'Completed', kind: 'collective' }))[0];
  await page.goto(`${base}/t/31337/${completed.order_id}`, { waitUntil: 'load' });
  // The page reads the escrow itself over the chain's RPC and compares it with the record.
  const transparency = await page.waitForFunction(
    () => /Matches the chain/.test(document.body.innerText) && /Channapatna/.test(document.body.innerText),
    null, { timeout: 30000 }).then(() => true, () => false);
  check(transparency, `transparency page /t/31337/${completed.order_id}: the record matches the chain`);
  check(errors.length === 0, `no page errors${errors.length ? ': ' + errors.join('; ') : ''}`);
  if (!home || !transparency) console.log((await page.innerText('body')).slice(0, 2000));
} finally {
  await browser.close();
}

console.log(failures ? `${failures} checks failed` : 'all checks passed');
process.exit(failures ? 1 : 0);
