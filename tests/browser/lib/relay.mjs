// A stand-in for WalletConnect's public relay (wss://relay.walletconnect.org), which cannot
// be reached from here: a WebSocket server on a free loopback port that speaks the relay's
// JSON-RPC as @walletconnect/core 2.25 uses it (node_modules/@walletconnect/core/dist,
// node_modules/@walletconnect/sign-client/dist). It routes the clients' end-to-end encrypted
// envelopes by topic without reading them, like the real relay:
//   irn_subscribe {topic} -> subscription id; irn_batchSubscribe {topics} -> ids; then the
//     messages stored for the topic (a mailbox: the wallet subscribes to the pairing topic
//     after the dapp published its proposal there) are sent as irn_subscription
//   irn_unsubscribe / irn_batchUnsubscribe -> true
//   irn_publish {topic, message, ttl, tag, ...} -> true; stored for the topic's later
//     subscribers and sent to its current ones as irn_subscription {id, data: {topic,
//     message, publishedAt, tag}} (the client answers each with a result, ignored here)
//   irn_batchPublish {messages} -> true
//   irn_batchFetchMessages {topics} -> {messages, hasMore: false}: what was stored for them
//   wc_proposeSession {pairingTopic, sessionProposal, ...} -> true: the dapp's session
//     proposal, published on the pairing topic; the dapp is subscribed to that topic by it
//     (the 2.2x sign client creates the pairing with `skipSubscribe`)
//   wc_approveSession {pairingTopic, sessionTopic, sessionProposalResponse,
//     sessionSettlementRequest} -> true: the wallet's answer on the pairing topic and the
//     settlement on the new session topic; the wallet and the pairing topic's subscribers
//     (the dapp) are subscribed to the session topic by it (`skipSubscribe` again)
// A message is not sent back to the connection that published it. `log` records every
// method received, so a test can tell the pairing went through here.
import crypto from 'node:crypto';
import WebSocket from 'ws';

export class StandInRelay {
  constructor() {
    this.subs = new Map(); // topic -> Map(socket -> subscription id)
    this.stored = new Map(); // topic -> [{topic, message, publishedAt, tag}]
    this.log = [];
  }

  /** Listens on 127.0.0.1 and a free port; resolves with the ws:// URL. */
  async start() {
    this.server = new WebSocket.Server({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => this.server.on('listening', resolve));
    this.server.on('connection', (socket) => {
      socket.on('message', (raw) => this.receive(socket, raw));
      socket.on('close', () => { for (const s of this.subs.values()) s.delete(socket); });
    });
    this.url = `ws://127.0.0.1:${this.server.address().port}`;
    return this.url;
  }

  async stop() {
    for (const c of this.server?.clients ?? []) c.terminate();
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve()));
  }

  subscribe(socket, topic) {
    const id = crypto.createHash('sha256').update(topic + Math.random()).digest('hex');
    if (!this.subs.has(topic)) this.subs.set(topic, new Map());
    this.subs.get(topic).set(socket, id);
    return id;
  }

  publish(from, topic, message, tag) {
    const data = { topic, message, publishedAt: Date.now(), tag };
    if (!this.stored.has(topic)) this.stored.set(topic, []);
    this.stored.get(topic).push({ from, data });
    for (const [socket, id] of this.subs.get(topic) ?? []) {
      if (socket !== from) this.deliver(socket, id, data);
    }
  }

  deliver(socket, id, data) {
    if (socket.readyState !== WebSocket.OPEN) return;
    socket.send(JSON.stringify({ id: Date.now() * 1000 + Math.floor(Math.random() * 1000), jsonrpc: '2.0', method: 'irn_subscription', params: { id, data } }));
  }

  /** The messages others stored for `topic`, to a new subscriber. */
  mailbox(socket, topic) {
    const id = this.subs.get(topic)?.get(socket);
    for (const m of this.stored.get(topic) ?? []) if (m.from !== socket) this.deliver(socket, id, m.data);
  }

  receive(socket, raw) {
    let req;
    try { req = JSON.parse(raw); } catch { return; }
    if (!req.method) return; // a client's answer to irn_subscription
    this.log.push(req.method);
    const p = req.params ?? {};
    let result = true;
    switch (req.method) {
      case 'irn_subscribe': result = this.subscribe(socket, p.topic); break;
      case 'irn_batchSubscribe': result = p.topics.map((t) => this.subscribe(socket, t)); break;
      case 'irn_unsubscribe': this.subs.get(p.topic)?.delete(socket); break;
      case 'irn_batchUnsubscribe': for (const s of p.subscriptions ?? []) this.subs.get(s.topic)?.delete(socket); break;
      case 'irn_publish': this.publish(socket, p.topic, p.message, p.tag); break;
      case 'irn_batchPublish': for (const m of p.messages ?? []) this.publish(socket, m.topic, m.message, m.tag); break;
      case 'irn_batchFetchMessages':
        result = { messages: (p.topics ?? []).flatMap((t) => (this.stored.get(t) ?? []).filter((m) => m.from !== socket).map((m) => m.data)), hasMore: false };
        break;
      case 'wc_proposeSession':
        this.subscribe(socket, p.pairingTopic);
        this.publish(socket, p.pairingTopic, p.sessionProposal, 1100);
        break;
      case 'wc_approveSession':
        for (const s of [socket, ...(this.subs.get(p.pairingTopic)?.keys() ?? [])]) {
          if (!this.subs.get(p.sessionTopic)?.has(s)) this.subscribe(s, p.sessionTopic);
        }
        this.publish(socket, p.pairingTopic, p.sessionProposalResponse, 1101);
        this.publish(socket, p.sessionTopic, p.sessionSettlementRequest, 1102);
        break;
      default:
        socket.send(JSON.stringify({ id: req.id, jsonrpc: '2.0', error: { code: -32601, message: `${req.method} is not served by the stand-in relay` } }));
        return;
    }
    socket.send(JSON.stringify({ id: req.id, jsonrpc: '2.0', result }));
    if (req.method === 'irn_subscribe') this.mailbox(socket, p.topic);
    if (req.method === 'irn_batchSubscribe') for (const t of p.topics) this.mailbox(socket, t);
  }
}
