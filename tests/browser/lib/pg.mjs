// A minimal Postgres client (simple query protocol, trust auth) so the tests can tamper with
// the indexer's rows without a driver dependency: startup, one query, rows as strings.
import net from 'node:net';

export function query(port, sql, { user = 'postgres', database = 'cointent' } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    const rows = [];
    let fields = [];
    let error = null;
    const send = (type, body) => {
      const len = Buffer.alloc(4);
      len.writeInt32BE(body.length + 4);
      sock.write(type ? Buffer.concat([Buffer.from(type), len, body]) : Buffer.concat([len, body]));
    };
    sock.on('connect', () => {
      const params = Buffer.from(`user\0${user}\0database\0${database}\0\0`);
      const ver = Buffer.alloc(4);
      ver.writeInt32BE(196608);
      send(null, Buffer.concat([ver, params]));
    });
    sock.on('error', reject);
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 5) {
        const type = String.fromCharCode(buf[0]);
        const len = buf.readInt32BE(1);
        if (buf.length < len + 1) break;
        const body = buf.subarray(5, len + 1);
        buf = buf.subarray(len + 1);
        if (type === 'R' && body.readInt32BE(0) !== 0) {
          reject(new Error('postgres asked for a password: the tests expect trust auth'));
          sock.destroy();
          return;
        } else if (type === 'Z') {
          if (sock.queried) {
            sock.end();
            error ? reject(error) : resolve({ fields, rows });
            return;
          }
          sock.queried = true;
          send('Q', Buffer.from(sql + '\0'));
        } else if (type === 'T') {
          const n = body.readInt16BE(0);
          let off = 2;
          fields = [];
          for (let i = 0; i < n; i++) {
            const end = body.indexOf(0, off);
            fields.push(body.toString('utf8', off, end));
            off = end + 1 + 18;
          }
        } else if (type === 'D') {
          const n = body.readInt16BE(0);
          let off = 2;
          const row = {};
          for (let i = 0; i < n; i++) {
            const l = body.readInt32BE(off);
            off += 4;
            row[fields[i]] = l < 0 ? null : body.toString('utf8', off, off + l);
            if (l > 0) off += l;
          }
          rows.push(row);
        } else if (type === 'E') {
          const msg = body.toString('utf8').split('\0').find((s) => s.startsWith('M'));
          error = new Error(`postgres: ${msg ? msg.slice(1) : 'error'}`);
        }
      }
    });
  });
}
