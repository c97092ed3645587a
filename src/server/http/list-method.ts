/**
 * Vault clients (hvac, curl -X LIST) send the non-standard `LIST` HTTP method, and Node's
 * HTTP parser rejects any method it does not know with a 400 before our code runs. This
 * module rewrites `LIST` to `LINK` — a method Node knows, of the same length, that no
 * Vault client uses — as bytes arrive, before the parser sees them. The request handler
 * then treats LINK as LIST.
 *
 * Only bytes at request starts are touched. To know where requests start, a small framer
 * follows each connection's HTTP/1.1 framing (heads, Content-Length and chunked bodies).
 * Because LIST and LINK share their first two letters, only method bytes 2 and 3 are ever
 * rewritten, so a method split across TCP packets is still handled.
 *
 * It relies on one Node behaviour: when a socket's handle is marked `_consumed`, the
 * HTTP server reads it through 'data' events (in JS) instead of consuming the handle in
 * C++, so a listener prepended here sees — and can edit — each chunk first.
 */
import type { Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';

/** The method that stands in for LIST inside the server. */
export const LIST_ALIAS_METHOD = 'LINK';

const MAX_HEAD_BYTES = 64 * 1024;

const L = 0x4c;
const I = 0x49;
const S = 0x53;
const T = 0x54;
const N = 0x4e;
const K = 0x4b;
const CR = 0x0d;
const LF = 0x0a;
const METHOD_LIST = [L, I, S, T];
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');

type State = 'start' | 'head' | 'body' | 'chunk-size' | 'chunk-data' | 'trailers' | 'passthrough';

/** Follows HTTP/1.1 request framing on one connection and rewrites LIST → LINK in place. */
export class ListMethodRewriter {
  private state: State = 'start';
  /** Bytes of the current request's method seen so far (for the split-packet case). */
  private methodPos = 0;
  private methodIsList = true;
  /** Copies of the current head's bytes (chunks are handed on to the parser). */
  private headParts: Buffer[] = [];
  private headLength = 0;
  private line: number[] = [];
  private remaining = 0;

  /** Processes one chunk, editing it in place. */
  process(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      switch (this.state) {
        case 'passthrough':
          return;
        case 'start': {
          const byte = chunk[i] as number;
          if (this.methodPos === 0 && (byte === CR || byte === LF)) {
            i++; // stray CRLF between requests is allowed
            continue;
          }
          this.state = 'head';
          this.headParts = [];
          this.headLength = 0;
          continue;
        }
        case 'head': {
          // The method's first four bytes: LIST -> LINK in place, even across packets.
          for (let j = i; this.methodPos < 4 && j < chunk.length; j++) {
            const expected = METHOD_LIST[this.methodPos] as number;
            if (chunk[j] !== expected) this.methodIsList = false;
            if (this.methodIsList && this.methodPos === 2) chunk[j] = N;
            if (this.methodIsList && this.methodPos === 3) chunk[j] = K;
            this.methodPos++;
          }
          const endAt = this.findHeadEnd(chunk, i);
          if (endAt === -1) {
            this.appendHead(chunk.subarray(i));
            i = chunk.length;
            if (this.headLength > MAX_HEAD_BYTES) this.state = 'passthrough'; // the parser rejects it itself
            continue;
          }
          this.appendHead(chunk.subarray(i, endAt));
          i = endAt;
          this.endOfHead();
          continue;
        }
        case 'body': {
          const take = Math.min(this.remaining, chunk.length - i);
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) this.reset();
          continue;
        }
        case 'chunk-size':
        case 'trailers': {
          const byte = chunk[i] as number;
          i++;
          if (byte !== LF) {
            if (byte !== CR) this.line.push(byte);
            if (this.line.length > 1024) this.state = 'passthrough';
            continue;
          }
          const text = Buffer.from(this.line).toString('latin1');
          this.line = [];
          if (this.state === 'trailers') {
            if (text === '') this.reset();
            continue;
          }
          const size = Number.parseInt(text.split(';')[0]?.trim() ?? '', 16);
          if (!Number.isFinite(size) || size < 0) {
            this.state = 'passthrough';
          } else if (size === 0) {
            this.state = 'trailers';
          } else {
            this.remaining = size + 2; // data plus its CRLF
            this.state = 'chunk-data';
          }
          continue;
        }
        case 'chunk-data': {
          const take = Math.min(this.remaining, chunk.length - i);
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) this.state = 'chunk-size';
          continue;
        }
      }
    }
  }

  private appendHead(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.headParts.push(Buffer.from(bytes));
    this.headLength += bytes.length;
  }

  /** Index just after the head's CRLFCRLF in `chunk` (from `from`), or -1. */
  private findHeadEnd(chunk: Uint8Array, from: number): number {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    // A terminator may straddle the previous chunk: probe the last 3 bytes seen with this chunk's first 3.
    if (this.headLength > 0) {
      const last = this.headParts[this.headParts.length - 1] as Buffer;
      const tail = Buffer.concat(this.headParts.length > 1 && last.length < 3 ? this.headParts.slice(-3) : [last]).subarray(-3);
      const probe = Buffer.concat([tail, buf.subarray(from, from + 3)]);
      const k = probe.indexOf(HEAD_END);
      if (k !== -1) return from + k + 4 - tail.length;
    }
    const k = buf.indexOf(HEAD_END, from);
    return k === -1 ? -1 : k + 4;
  }

  private endOfHead(): void {
    const text = Buffer.concat(this.headParts, this.headLength).toString('latin1');
    this.headParts = [];
    this.headLength = 0;
    let contentLength = 0;
    let chunked = false;
    let upgrade = false;
    for (const rawLine of text.split('\r\n').slice(1)) {
      const colon = rawLine.indexOf(':');
      if (colon <= 0) continue;
      const name = rawLine.slice(0, colon).trim().toLowerCase();
      const value = rawLine.slice(colon + 1).trim();
      if (name === 'content-length') contentLength = Number.parseInt(value, 10) || 0;
      else if (name === 'transfer-encoding' && /chunked/i.test(value)) chunked = true;
      else if (name === 'upgrade') upgrade = true;
    }
    if (upgrade || text.startsWith('CONNECT ')) {
      this.state = 'passthrough'; // the connection stops speaking HTTP/1.1
    } else if (chunked) {
      this.state = 'chunk-size';
      this.line = [];
    } else if (contentLength > 0) {
      this.remaining = contentLength;
      this.state = 'body';
    } else {
      this.reset();
    }
  }

  private reset(): void {
    this.state = 'start';
    this.methodPos = 0;
    this.methodIsList = true;
  }
}

interface ConsumableHandle {
  _consumed?: boolean;
}

function install(socket: Socket): void {
  const handle = (socket as unknown as { _handle?: ConsumableHandle | null })._handle;
  if (handle) handle._consumed = true;
  const rewriter = new ListMethodRewriter();
  socket.prependListener('data', (chunk: Buffer) => rewriter.process(chunk));
}

/** Makes `server` accept the LIST method (seen by handlers as LINK). */
export function acceptListMethod(server: HttpServer): void {
  const event = server instanceof TlsServer ? 'secureConnection' : 'connection';
  server.prependListener(event, install);
}
