/**
 * A small forward HTTP proxy for tests, on 127.0.0.1 port 0. It understands absolute-form
 * requests (forwarded to the origin in origin-form, RFC 9112 §3.2.2) and CONNECT (a TCP tunnel,
 * RFC 9110 §9.3.6). Every origin name resolves to 127.0.0.1 here, so tests can use names no DNS
 * knows and prove the client never looked them up. It logs what it was asked, for assertions.
 */
import net from 'node:net';
import { rawServer, send, type TestServer } from './raw-server.js';

export interface ProxyServerOptions {
  /** Status to answer CONNECT with; anything but 200 refuses the tunnel. @default 200 */
  connectStatus?: number;
}

export interface TestProxy extends TestServer {
  /** Request lines received, in order (`GET http://… HTTP/1.1`, `CONNECT host:port HTTP/1.1`). */
  readonly lines: readonly string[];
  /** Request heads received (request line and fields), in order. */
  readonly heads: readonly string[];
}

const MAX_HEAD = 64 * 1024;

export async function startProxyServer(options: ProxyServerOptions = {}): Promise<TestProxy> {
  const connectStatus = options.connectStatus ?? 200;
  const lines: string[] = [];
  const heads: string[] = [];
  const upstreams = new Set<net.Socket>();

  const server = await rawServer((ctx) => {
    const client = ctx.socket;
    let buffered = Buffer.alloc(0);
    let upstream: net.Socket | null = null;
    let tunnelled = false;

    const origin = (port: number): net.Socket => {
      const socket = net.connect({ host: '127.0.0.1', port });
      upstreams.add(socket);
      socket.on('error', () => client.destroy());
      socket.on('close', () => {
        upstreams.delete(socket);
        client.destroy();
      });
      client.on('close', () => socket.destroy());
      return socket;
    };

    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end === -1) {
          if (buffered.length > MAX_HEAD) client.destroy();
          return;
        }
        const head = buffered.toString('latin1', 0, end);
        const rest = buffered.subarray(end + 4);
        const [line = '', ...fields] = head.split('\r\n');
        lines.push(line);
        heads.push(head);
        const [method = '', target = '', version = ''] = line.split(' ');

        if (method === 'CONNECT') {
          if (connectStatus !== 200) {
            send(client, `HTTP/1.1 ${connectStatus} Refused\r\nContent-Length: 0\r\n\r\n`);
            client.end();
            return;
          }
          const port = Number(target.slice(target.lastIndexOf(':') + 1));
          client.off('data', onData);
          tunnelled = true;
          const socket = origin(port);
          socket.once('connect', () => {
            send(client, 'HTTP/1.1 200 Connection Established\r\n\r\n');
            if (rest.length > 0) socket.write(rest);
            client.pipe(socket);
            socket.pipe(client);
          });
          return;
        }

        // Absolute-form: forward in origin-form to the origin (one upstream per client
        // connection: the client's pools are per origin), and relay whatever it answers.
        let url: URL;
        try {
          url = new URL(target);
        } catch {
          send(client, 'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
          client.end();
          return;
        }
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(`\r\n${fields.join('\r\n')}`)?.[1] ?? 0);
        if (rest.length < length) return; // wait for the whole body
        if (upstream === null) {
          upstream = origin(Number(url.port || 80));
          upstream.pipe(client);
        }
        const forwarded = [`${method} ${url.pathname}${url.search} ${version}`, ...fields].join('\r\n');
        upstream.write(Buffer.concat([Buffer.from(`${forwarded}\r\n\r\n`, 'latin1'), rest.subarray(0, length)]));
        buffered = rest.subarray(length);
      }
    };
    client.on('data', onData);
    client.on('close', () => {
      if (!tunnelled) upstream?.destroy();
    });
  });

  const closeServer = server.close.bind(server);
  return Object.assign(server, {
    lines,
    heads,
    async close() {
      for (const s of upstreams) s.destroy();
      await closeServer();
    },
  }) as TestProxy;
}
