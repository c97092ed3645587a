import fc from 'fast-check';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptListMethod, ListMethodRewriter } from './list-method.js';

function rewrite(chunks: string[]): string {
  const rewriter = new ListMethodRewriter();
  return chunks
    .map((c) => {
      const buf = Buffer.from(c, 'latin1');
      rewriter.process(buf);
      return buf.toString('latin1');
    })
    .join('');
}

describe('ListMethodRewriter', () => {
  it('rewrites LIST at a request start', () => {
    expect(rewrite(['LIST /v1/secret/metadata HTTP/1.1\r\nHost: x\r\n\r\n'])).toBe('LINK /v1/secret/metadata HTTP/1.1\r\nHost: x\r\n\r\n');
  });

  it('leaves other methods and bodies alone', () => {
    const body = 'LIST /v1/inside-a-body';
    const req = `POST /v1/x HTTP/1.1\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    expect(rewrite([req])).toBe(req);
  });

  it('finds the next request after a Content-Length body and after a chunked body', () => {
    const a = 'PUT /v1/a HTTP/1.1\r\nContent-Length: 4\r\n\r\nLIST';
    const b = 'POST /v1/b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nLIST\r\n0\r\n\r\n';
    const c = 'LIST /v1/c HTTP/1.1\r\n\r\n';
    expect(rewrite([a + b + c])).toBe(a + b + c.replace('LIST', 'LINK'));
  });

  it('stops touching bytes after an upgrade', () => {
    const up = 'GET /v1/sys/events HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n';
    expect(rewrite([up, 'LIST raw frame bytes'])).toBe(`${up}LIST raw frame bytes`);
  });

  it('gives the same bytes however the stream is split into packets', () => {
    const stream =
      'LIST /v1/a HTTP/1.1\r\n\r\n' +
      'POST /v1/b HTTP/1.1\r\nContent-Length: 10\r\n\r\nLIST LIST ' +
      'LIST /v1/c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nLIST \r\n0\r\n\r\n' +
      'GET /v1/d HTTP/1.1\r\n\r\n';
    const expected = rewrite([stream]);
    expect(expected.match(/LINK/g)).toHaveLength(2);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }), (cuts) => {
        const sorted = [...cuts].sort((x, y) => x - y);
        const chunks: string[] = [];
        let last = 0;
        for (const cut of sorted) {
          chunks.push(stream.slice(last, cut));
          last = cut;
        }
        chunks.push(stream.slice(last));
        expect(rewrite(chunks)).toBe(expected);
      }),
    );
  });
});

describe('acceptListMethod on a real server', () => {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => res.end(`${req.method} ${req.url} ${body}`));
  });
  let port = 0;
  beforeAll(async () => {
    acceptListMethod(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('serves LIST requests (as LINK) on a keep-alive connection between other requests', async () => {
    const socket = net.connect(port, '127.0.0.1');
    const received: string[] = [];
    socket.on('data', (d: Buffer) => received.push(d.toString()));
    socket.write('LIST /v1/secret/ HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n');
    socket.write('POST /v1/p HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nLIST');
    socket.write('LI');
    await new Promise((r) => setTimeout(r, 20));
    socket.write('ST /v1/again HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await new Promise((resolve) => socket.on('close', resolve));
    const all = received.join('');
    expect(all).toContain('LINK /v1/secret/ ');
    expect(all).toContain('POST /v1/p LIST');
    expect(all).toContain('LINK /v1/again ');
    expect(all).not.toContain('400 Bad Request');
  });
});
