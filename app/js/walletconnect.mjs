// The WalletConnect v2 client for the app, bundled by script/build-app into one ESM file
// (`walletconnect.<hash>.js`) that the app imports only when the user picks "WalletConnect
// (phone wallet)" in the wallet picker, or reconnects to a wallet chosen so: nothing of it
// is in the first load.
//
// `@walletconnect/universal-provider` is the sign client with an EIP-1193-like `request`;
// `@walletconnect/ethereum-provider` wraps it with Reown's AppKit modal, which the app does
// not need: the pairing dialog is drawn here, its QR code with qrcode-generator.
import { UniversalProvider } from '@walletconnect/universal-provider';
import qrcode from 'qrcode-generator';

const METHODS = ['eth_sendTransaction', 'personal_sign', 'eth_signTypedData_v4'];
const OPTIONAL_METHODS = ['wallet_switchEthereumChain', 'wallet_addEthereumChain'];
const EVENTS = ['chainChanged', 'accountsChanged'];
/** How long the relay may take to hand out a pairing URI before it counts as unreachable. */
const RELAY_TIMEOUT_MS = 15000;

let universal;

/** An error the app words for people: `kind` is relay, rejected, expired or other. */
function failure(kind, e) {
  return { kind, message: String(e?.message ?? e ?? kind) };
}

function classify(e) {
  const m = String(e?.message ?? e).toLowerCase();
  if (e?.code === 5000 || e?.code === 4001 || m.includes('reject')) return failure('rejected', e);
  if (m.includes('expire')) return failure('expired', e);
  if (m.includes('socket') || m.includes('relay') || m.includes('connect')) return failure('relay', e);
  return failure('other', e);
}

const hex = (c) => `0x${Number(String(c).split(':').pop()).toString(16)}`;

/** The EIP-1193 face the app talks to: chain ids as hex quantities, like injected wallets. */
function eip1193(p) {
  return {
    isWalletConnect: true,
    async request(args) {
      try {
        const r = await p.request(args);
        return args.method === 'eth_chainId' ? hex(r) : r;
      } catch (e) {
        const m = String(e?.message ?? e);
        throw { code: e?.code === 5000 || /reject/i.test(m) ? 4001 : (e?.code ?? 0), message: m, data: e?.data };
      }
    },
    on(event, f) {
      p.on(event, event === 'chainChanged' ? (c) => f(hex(c)) : f);
    },
    removeListener(event, f) {
      p.removeListener(event, f);
    },
  };
}

async function init({ projectId, relayUrl, name, url }) {
  universal ??= UniversalProvider.init({
    projectId,
    relayUrl,
    logger: 'silent',
    metadata: { name, description: name, url, icons: [] },
    telemetryEnabled: false,
  }).catch((e) => {
    universal = undefined;
    throw failure('relay', e);
  });
  return universal;
}

/** The session approved earlier (a reload, a later visit) as a provider, or null. */
export async function restore(opts) {
  const p = await init(opts);
  return p.session ? eip1193(p) : null;
}

/**
 * The pairing dialog, drawn here rather than by the app so that none of it is in the first
 * load: on a phone an "Open in wallet" `wc:` link, on a computer the QR code to scan
 * (style.css shows one or the other by width), and "Copy link" and "Cancel" on both.
 * `labels` are the app's words in the reader's language.
 */
function dialog(uri, labels, onCancel) {
  const el = (tag, attrs = {}, text) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text) e.textContent = text;
    return e;
  };
  const box = el('div', { class: 'modal', role: 'dialog', 'aria-modal': 'true', 'aria-label': labels.title, 'data-testid': 'wc-pairing' });
  const qr = el('div', { class: 'wc-qr wc-wide', role: 'img', 'aria-label': labels.code, 'data-uri': uri });
  qr.innerHTML = qrSvg(uri);
  const open = el('a', { class: 'button primary', href: uri, 'data-testid': 'wc-open' }, labels.open);
  const copy = el('button', { type: 'button', 'data-testid': 'wc-copy' }, labels.copy);
  copy.onclick = () => navigator.clipboard?.writeText(uri).then(() => { copy.textContent = labels.copied; }, () => {});
  const cancel = el('button', { type: 'button' }, labels.cancel);
  cancel.onclick = onCancel;
  box.onkeydown = (e) => { if (e.key === 'Escape') onCancel(); };
  const phone = el('p', { class: 'wc-narrow' });
  phone.append(open);
  const buttons = el('div', { class: 'buttons' });
  buttons.append(copy, cancel);
  box.append(el('h2', {}, labels.title), el('p', { class: 'wc-wide' }, labels.scan), qr, phone, buttons);
  document.body.append(box);
  (getComputedStyle(phone).display === 'none' ? copy : open).focus();
  return () => box.remove();
}

/**
 * Starts a session for `chains` ([{ id, rpc }], the first the default) and shows the
 * pairing dialog (`labels`); resolves with the EIP-1193 provider once the wallet approves;
 * rejects with `{ kind, message }` when the relay cannot be reached, the user cancels, the
 * user or the wallet refuses, or the proposal expires.
 */
export async function connect(opts, chains, labels) {
  const p = await init(opts);
  if (p.session) await p.disconnect().catch(() => {});
  p.events.removeAllListeners('display_uri');
  let close = () => {};
  let cancelled;
  const cancel = new Promise((_, reject) => { cancelled = () => reject(failure('cancelled', 'cancelled')); });
  let shown = false;
  p.on('display_uri', (uri) => {
    shown = true;
    close = dialog(uri, labels, cancelled);
  });
  const ids = chains.map((c) => `eip155:${c.id}`);
  const rpcMap = Object.fromEntries(chains.map((c) => [c.id, c.rpc]));
  const session = p.connect({
    optionalNamespaces: {
      eip155: { chains: ids, methods: [...METHODS, ...OPTIONAL_METHODS], events: EVENTS, rpcMap },
    },
  });
  const unreachable = new Promise((_, reject) =>
    setTimeout(() => shown || reject(failure('relay', 'no pairing URI from the relay')), RELAY_TIMEOUT_MS));
  try {
    await Promise.race([session, unreachable, cancel]);
  } catch (e) {
    throw e?.kind ? e : classify(e);
  } finally {
    close();
  }
  return eip1193(p);
}

/** Ends the session, in the wallet too. */
export async function disconnect() {
  const p = await universal;
  if (p?.session) await p.disconnect().catch(() => {});
}

/** The pairing URI as an SVG QR code. */
function qrSvg(uri) {
  const qr = qrcode(0, 'M');
  qr.addData(uri);
  qr.make();
  return qr.createSvgTag({ cellSize: 4, margin: 4, scalable: true, alt: 'WalletConnect pairing code' });
}
