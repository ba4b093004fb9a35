// The test wallet: an EIP-6963 / EIP-1193 provider injected into the page. Requests are
// forwarded to this Node process (page.exposeBinding), which plays the wallet: it keeps the
// account and chain, answers switch/add chain like MetaMask (4902 for unknown chains), can
// be told to reject the next request (4001), and forwards everything else to the anvil of
// the current chain, where the dev accounts are unlocked (eth_sendTransaction, personal_sign
// and eth_signTypedData_v4 are signed by anvil with the dev keys; a transaction without a
// gas limit gets the estimate plus half, as MetaMask gives it).
import { rpcRaw } from './chain.mjs';

const INJECT = `(() => {
  const listeners = {};
  const provider = {
    isTestWallet: true,
    async request({ method, params }) {
      const r = await window.__testWallet(method, params || []);
      if (r.error) {
        const e = new Error(r.error.message);
        e.code = r.error.code;
        if (r.error.data !== undefined) e.data = r.error.data;
        throw e;
      }
      return r.result;
    },
    on(ev, f) { (listeners[ev] ||= []).push(f); return provider; },
    removeListener(ev, f) { listeners[ev] = (listeners[ev] || []).filter((g) => g !== f); return provider; },
  };
  window.__testWalletEmit = (ev, arg) => (listeners[ev] || []).forEach((f) => f(arg));
  const info = Object.freeze({
    uuid: '5f1c3e1a-0000-4000-8000-000000000001', name: 'Test Wallet', rdns: 'org.cointent.testwallet',
    icon: 'data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22 viewBox=%220 0 8 8%22%3E%3Crect width=%228%22 height=%228%22 fill=%22%230b6e4f%22/%3E%3C/svg%3E',
  });
  const announce = () => window.dispatchEvent(new CustomEvent('eip6963:announceProvider', { detail: Object.freeze({ info, provider }) }));
  window.addEventListener('eip6963:requestProvider', announce);
  announce();
})();`;

export class TestWallet {
  /** @param rpcUrls {Record<number,string>} chains the wallet knows at start */
  constructor(rpcUrls, { account, chainId }) {
    this.known = { ...rpcUrls };
    this.all = { ...rpcUrls };
    this.account = account;
    this.chainId = chainId;
    this.connected = false;
    this.rejectNext = new Set();
    this.log = [];
    this.pages = [];
  }

  /** Chains the wallet does not know until wallet_addEthereumChain (to test error 4902). */
  forget(chainId) {
    delete this.known[chainId];
  }

  async install(page) {
    this.pages.push(page);
    await page.exposeBinding('__testWallet', (_src, method, params) => this.handle(method, params));
    await page.addInitScript(INJECT);
  }

  async emit(ev, arg) {
    for (const p of this.pages) {
      await p.evaluate(([e, a]) => window.__testWalletEmit && window.__testWalletEmit(e, a), [ev, arg]).catch(() => {});
    }
  }

  async setAccount(account) {
    this.account = account;
    if (this.connected) await this.emit('accountsChanged', [account]);
  }

  async setChain(chainId) {
    this.chainId = chainId;
    await this.emit('chainChanged', '0x' + chainId.toString(16));
  }

  async handle(method, params) {
    this.log.push(method);
    const err = (code, message) => ({ error: { code, message } });
    if (this.rejectNext.has(method)) {
      this.rejectNext.delete(method);
      return err(4001, 'User rejected the request.');
    }
    switch (method) {
      case 'eth_chainId':
        return { result: '0x' + this.chainId.toString(16) };
      case 'net_version':
        return { result: String(this.chainId) };
      case 'eth_accounts':
        return { result: this.connected ? [this.account] : [] };
      case 'eth_requestAccounts':
        this.connected = true;
        return { result: [this.account] };
      case 'wallet_switchEthereumChain': {
        const id = Number(BigInt(params[0].chainId));
        if (!this.known[id]) return err(4902, `Unrecognized chain ID "${params[0].chainId}". Try adding the chain using wallet_addEthereumChain first.`);
        if (id !== this.chainId) await this.setChain(id);
        return { result: null };
      }
      case 'wallet_addEthereumChain': {
        const id = Number(BigInt(params[0].chainId));
        const url = params[0].rpcUrls && params[0].rpcUrls[0];
        if (!url) return err(-32602, 'rpcUrls required');
        this.known[id] = url;
        return { result: null };
      }
    }
    if (!this.connected && /^(eth_sendTransaction|personal_sign|eth_signTypedData)/.test(method)) {
      return err(4100, 'The requested account has not been authorized by the user.');
    }
    const url = this.known[this.chainId] || this.all[this.chainId];
    if (!url) return err(4901, 'The wallet is not connected to this chain.');
    if (method === 'eth_sendTransaction' && params[0] && params[0].gas === undefined) {
      // As MetaMask does, the gas limit is the estimate plus half: what a transaction costs can
      // depend on the block it lands in (a token's vote checkpoint is new in a new second),
      // and anvil estimates at a time that can lag the block it then mines.
      const est = await rpcRaw(url, 'eth_estimateGas', [params[0]]);
      if (est.result) params = [{ ...params[0], gas: '0x' + ((BigInt(est.result) * 3n) / 2n).toString(16) }];
    }
    const r = await rpcRaw(url, method, params);
    return r.error ? { error: r.error } : { result: r.result };
  }
}
