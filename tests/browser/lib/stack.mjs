// Starts what the browser tests need on free loopback ports, and stops all of it:
// two anvil chains (31337, 31338) with the contracts deployed by the real deploy script,
// and `cointent serve` (embedded Postgres in a temp dir, the built app at /).
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ROOT, BIN, DEV_KEY0, rpc } from './chain.mjs';

const run = promisify(execFile);

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class Stack {
  constructor() {
    this.procs = [];
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cointent-browser-'));
    fs.chmodSync(this.dir, 0o755);
    this.logs = path.join(ROOT, 'artifacts/browser/logs');
    fs.mkdirSync(this.logs, { recursive: true });
    this.chains = {};
  }

  spawn(name, cmd, args) {
    const out = fs.openSync(path.join(this.logs, `${name}.log`), 'w');
    const p = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', out, out], detached: false });
    p.name = name;
    p.exited = new Promise((r) => p.on('exit', (code, sig) => r({ code, sig })));
    this.procs.push(p);
    return p;
  }

  async startChain(chainId) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const p = this.spawn(`anvil-${chainId}`, BIN('anvil'), ['--host', '127.0.0.1', '--port', String(port), '--chain-id', String(chainId), '--silent']);
    for (let i = 0; i < 200; i++) {
      try {
        await rpc(url, 'eth_chainId');
        this.chains[chainId] = { url, port, proc: p };
        return url;
      } catch {
        if (p.exitCode !== null) throw new Error(`anvil ${chainId} exited (log: artifacts/browser/logs/anvil-${chainId}.log)`);
        await sleep(100);
      }
    }
    throw new Error(`anvil ${chainId} did not answer`);
  }

  /** Deploys with the real script; keeps the deployment file in the temp dir and leaves the
   * repository's deployments/ as it was. */
  async deploy(chainId) {
    const file = path.join(ROOT, 'deployments', `${chainId}.json`);
    const saved = fs.existsSync(file) ? fs.readFileSync(file) : null;
    try {
      // --slow: one transaction at a time (anvil sometimes left a burst pending for good).
      await run(BIN('forge'), ['script', 'script/Deploy.s.sol', '--broadcast', '--slow', '--rpc-url', this.chains[chainId].url, '--private-key', DEV_KEY0], { cwd: ROOT, maxBuffer: 1 << 26 });
      const dep = fs.readFileSync(file, 'utf8');
      fs.writeFileSync(path.join(this.dir, `${chainId}.json`), dep);
      this.chains[chainId].deployment = JSON.parse(dep);
    } finally {
      if (saved) fs.writeFileSync(file, saved);
      else fs.rmSync(file, { force: true });
    }
  }

  /** Starts `cointent serve` on the chains; resolves with its base URL. A second server
   * (`name`, with its own Postgres) can run beside the first, e.g. one configured with
   * `walletconnect` ({ project_id, relay_url }): the `[walletconnect]` section. */
  async startServer({ name = 'cointent', walletconnect } = {}) {
    const pgPort = await freePort();
    const httpPort = await freePort();
    const base = `http://127.0.0.1:${httpPort}`;
    const chains = Object.entries(this.chains).map(([id, c]) => `
[[chains]]
name = "local-${id === '31337' ? 'a' : 'b'}"
chain_id = ${id}
rpc_urls = ["${c.url}"]
deployment = "${path.join(this.dir, `${id}.json`)}"
finality_depth = 2
poll_interval_ms = 100
`).join('');
    const cfg = path.join(this.dir, `${name}.toml`);
    const wc = walletconnect ? `
[walletconnect]
project_id = "${walletconnect.project_id}"
relay_url = "${walletconnect.relay_url}"
` : '';
    fs.writeFileSync(cfg, `[database]
data_dir = "${path.join(this.dir, `${name}-postgres`)}"
port = ${pgPort}

[http]
bind = "127.0.0.1:${httpPort}"
public_url = "${base}"
app_dir = "${path.join(ROOT, 'app/dist')}"
${wc}${chains}`);
    if (name === 'cointent') Object.assign(this, { pgPort, httpPort, base });
    const p = this.spawn(name, path.join(ROOT, 'target/debug/cointent'), ['--config', cfg, 'serve']);
    for (let i = 0; i < 1200; i++) {
      try {
        const r = await fetch(`${base}/ready`);
        if (r.ok) return base;
      } catch {}
      if (p.exitCode !== null) throw new Error(`cointent serve exited: ${fs.readFileSync(path.join(this.logs, `${name}.log`), 'utf8').slice(-2000)}`);
      await sleep(100);
    }
    throw new Error('cointent serve not ready after 120 s');
  }

  /** Stops the process started as `name` (a second server, once its flow is done). */
  async stopProcess(name) {
    const p = this.procs.find((x) => x.name === name);
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), 10000);
    await p.exited;
    clearTimeout(t);
  }

  async stop() {
    for (const p of [...this.procs].reverse()) {
      if (p.exitCode === null && p.signalCode === null) {
        p.kill('SIGTERM');
        const t = setTimeout(() => p.kill('SIGKILL'), 10000);
        await p.exited;
        clearTimeout(t);
      }
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
