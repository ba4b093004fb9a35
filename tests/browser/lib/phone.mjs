// A stand-in phone wallet: WalletConnect's own sign client (@walletconnect/sign-client, what
// wallet apps build on) in this Node process, pairing through the stand-in relay with the
// `wc:` URI the page shows. It approves the session for one dev account on the chains the
// page proposes (or, with `rejectProposals`, declines it as a user would), and answers the page's requests like the injected test wallet does (its
// `handle`): eth_sendTransaction, personal_sign and eth_signTypedData_v4 are forwarded to
// anvil, where the dev accounts are unlocked; chain switches are answered here and told to
// the page as a chainChanged session event.
import { SignClient } from '@walletconnect/sign-client';
import { TestWallet } from './wallet.mjs';

/** The sign client's storage, in memory (a phone keeps it on the phone). */
class MemoryStorage {
  constructor() { this.m = new Map(); }
  async getKeys() { return [...this.m.keys()]; }
  async getEntries() { return [...this.m.entries()]; }
  async getItem(k) { return this.m.get(k); }
  async setItem(k, v) { this.m.set(k, v); }
  async removeItem(k) { this.m.delete(k); }
}

let phones = 0;

export class PhoneWallet {
  /** @param rpcUrls {Record<number,string>} the chains it knows; @param relayUrl the relay */
  constructor(rpcUrls, { account, chainId, relayUrl, projectId }) {
    this.inner = new TestWallet(rpcUrls, { account, chainId });
    this.inner.connected = true;
    this.opts = { relayUrl, projectId };
    this.log = this.inner.log;
    this.proposals = [];
  }

  async start() {
    this.client = await SignClient.init({
      projectId: this.opts.projectId,
      relayUrl: this.opts.relayUrl,
      logger: 'silent',
      storage: new MemoryStorage(),
      // Its own core: the client keeps one per prefix in globalThis, and each phone of a test
      // run is a new one (another relay, nothing shared).
      customStoragePrefix: `phone-${++phones}`,
      metadata: { name: 'Stand-in phone wallet', description: 'test', url: 'http://127.0.0.1', icons: [] },
      telemetryEnabled: false,
    });
    this.client.on('session_proposal', (p) => this.approve(p).catch((e) => { this.error = e; }));
    this.client.on('session_request', (r) => this.answer(r).catch((e) => { this.error = e; }));
    return this;
  }

  /** Pairs with the URI a person would copy from the page or scan. */
  async pair(uri) {
    await this.client.pair({ uri });
  }

  async approve({ id, params }) {
    this.proposals.push(params);
    if (this.rejectProposals) {
      await this.client.reject({ id, reason: { code: 5000, message: 'User rejected.' } });
      return;
    }
    const proposed = { ...params.requiredNamespaces, ...params.optionalNamespaces }.eip155 ?? {};
    const chains = (proposed.chains ?? []).filter((c) => this.inner.all[Number(c.split(':')[1])]);
    const { acknowledged } = await this.client.approve({
      id,
      namespaces: {
        eip155: {
          chains,
          accounts: chains.map((c) => `${c}:${this.inner.account}`),
          methods: proposed.methods ?? [],
          events: proposed.events ?? [],
        },
      },
    });
    this.session = await acknowledged();
  }

  async answer({ topic, id, params }) {
    const { method, params: args } = params.request;
    const before = this.inner.chainId;
    const r = await this.inner.handle(method, args ?? []);
    const response = r.error ? { id, jsonrpc: '2.0', error: r.error } : { id, jsonrpc: '2.0', result: r.result };
    await this.client.respond({ topic, response });
    if (this.inner.chainId !== before) {
      await this.client.emit({ topic, chainId: `eip155:${this.inner.chainId}`, event: { name: 'chainChanged', data: this.inner.chainId } });
    }
  }

  async stop() {
    await this.client?.core.relayer.transportClose().catch(() => {});
  }
}
