// Chain helpers for the tests: JSON-RPC, anvil's dev accounts, cast for sending.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';

const run = promisify(execFile);
export const ROOT = path.resolve(new URL('../../..', import.meta.url).pathname);
export const BIN = (name) => path.join(ROOT, 'node_modules/.bin', name);

/** anvil's default dev accounts (mnemonic "test test ... junk"), lower-case. */
export const DEV = [
  '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266', '0x70997970c51812dc3a010c7d01b50e0d17dc79c8',
  '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc', '0x90f79bf6eb2c4f870365e785982e1f101e93b906',
  '0x15d34aaf54267db7d7c367839aaf71a00a2c6a65', '0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc',
  '0x976ea74026e726554db657fa54763abd0c3a0aa9', '0x14dc79964da2c08b23698b3d3cc7ca32193d9955',
  '0x23618e81e3f5cdf7f54c3d65f7fbc0abf5b21e8f', '0xa0ee7a142d267c1f36714e4a8f75612f20a79720',
];
export const DEV_KEY0 = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
export const ZERO = '0x0000000000000000000000000000000000000000';

let id = 0;
export async function rpcRaw(url, method, params = []) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
  });
  return res.json();
}

export async function rpc(url, method, params = []) {
  const r = await rpcRaw(url, method, params);
  if (r.error) throw new Error(`${method}: ${r.error.message}`);
  return r.result;
}

export async function cast(args) {
  const { stdout } = await run(BIN('cast'), args, { cwd: ROOT, maxBuffer: 1 << 24 });
  return stdout.trim();
}

/** Sends a transaction from an unlocked dev account and waits for it. */
export async function send(url, from, to, sig, ...args) {
  return cast(['send', '--rpc-url', url, '--unlocked', '--from', from, to, sig, ...args]);
}

/** A view call, decoded by cast. */
export async function call(url, to, sig, ...args) {
  const out = await cast(['call', '--rpc-url', url, to, sig, ...args]);
  return out.split(' ')[0];
}

export async function now(url) {
  const b = await rpc(url, 'eth_getBlockByNumber', ['latest', false]);
  return Number(BigInt(b.timestamp));
}

export async function warp(url, secs) {
  await rpc(url, 'evm_increaseTime', [secs]);
  await rpc(url, 'evm_mine', []);
}

/** Big-endian hex of `value` in `bytes` bytes. */
const be = (value, bytes) => BigInt(value).toString(16).padStart(bytes * 2, '0');
const addr = (a) => a.toLowerCase().replace(/^0x/, '').padStart(40, '0');

/** Terms packed as the Escrow takes them (contracts/src/libraries/PackedTerms.sol):
 * seller, token, unitPrice(12), minUnits(4), maxUnits(4), fundingDeadline(5), reviewPeriod(4),
 * rulingPeriod(4), promoterBps(2), feeBps(2), bondBps(2), soleBuyer, arbiter, metadataHash(32),
 * n(1) x [bps(2), deliveryPeriod(4)], m(1) x [recipient, bps(2)]. */
export function packTerms(t) {
  return '0x' + [
    addr(t.seller), addr(t.token), be(t.unitPrice, 12), be(t.minUnits, 4), be(t.maxUnits, 4),
    be(t.fundingDeadline, 5), be(t.reviewPeriod, 4), be(t.rulingPeriod, 4), be(t.promoterBps, 2),
    be(t.feeBps, 2), be(t.bondBps, 2), addr(t.soleBuyer), addr(t.arbiter), t.metadataHash.replace(/^0x/, ''),
    be(t.milestones.length, 1), ...t.milestones.map((m) => be(m.bps, 2) + be(m.deliveryPeriod, 4)),
    be(t.splits.length, 1), ...t.splits.map((s) => addr(s.recipient) + be(s.bps, 2)),
  ].join('');
}

/** Creates an order from `t.seller` (the seller sends it) and returns its id. */
export async function createOrder(url, escrow, t) {
  await send(url, t.seller, escrow, 'createOrder(bytes)', packTerms(t));
  return Number(await call(url, escrow, 'orderCount()(uint256)'));
}

/** An order's state, read through the EscrowLens. */
export async function orderState(url, lens, orderId) {
  const out = await cast([
    'call', '--rpc-url', url, lens, 'orderState(uint256)((uint8,uint8,uint8,uint40,uint32,uint32,uint32,uint32,uint32,uint32))', String(orderId),
  ]);
  const [status, milestone, mstate, , units] = out.replace(/[()]/g, '').split(',').map((s) => Number(s.trim().split(' ')[0]));
  return { status, milestone, mstate, units };
}
