/**
 * A WebSocket client over a bare TCP socket that can send frames no library would send (unmasked,
 * reserved bits, lying lengths) and reports the close code the server answers with.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { connectTo } from './rawHttp.js';

export interface FrameSpec {
  /** Default true. */
  readonly fin?: boolean;
  /** RSV1..RSV3 as a 3-bit number (4 = RSV1). Default 0. */
  readonly rsv?: number;
  readonly opcode: number;
  /** Clients must mask their frames; false sends one unmasked. Default true. */
  readonly mask?: boolean;
  readonly payload: Buffer;
  /** A payload length to announce instead of the real one (the frame then lies about its size). */
  readonly declaredLength?: bigint;
}

/** Encodes one frame as a client sends it. */
export function encodeFrame(frame: FrameSpec): Buffer {
  const masked = frame.mask ?? true;
  const length = frame.declaredLength ?? BigInt(frame.payload.length);
  const head: number[] = [
    ((frame.fin ?? true) ? 0x80 : 0) | ((frame.rsv ?? 0) << 4) | frame.opcode,
  ];
  const maskBit = masked ? 0x80 : 0;
  if (length < 126n) {
    head.push(maskBit | Number(length));
  } else if (length < 65536n) {
    head.push(maskBit | 126, Number(length >> 8n), Number(length & 0xffn));
  } else {
    head.push(maskBit | 127);
    for (let shift = 56n; shift >= 0n; shift -= 8n) head.push(Number((length >> shift) & 0xffn));
  }
  if (!masked) return Buffer.concat([Buffer.from(head), frame.payload]);
  const key = randomBytes(4);
  const payload = Buffer.from(frame.payload);
  for (let i = 0; i < payload.length; i++)
    payload[i] = (payload[i] as number) ^ (key[i % 4] as number);
  return Buffer.concat([Buffer.from(head), key, payload]);
}

export interface UpgradedSocket {
  readonly socket: Socket;
  /** Bytes received after the handshake's answer. */
  readonly rest: Buffer;
}

/** Opens a WebSocket to `path`; rejects with the answer's head when the server does not switch protocols. */
export async function upgrade(port: number, path: string): Promise<UpgradedSocket> {
  const socket = await connectTo(port);
  socket.write(
    [
      `GET ${path} HTTP/1.1`,
      'Host: 127.0.0.1',
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
      'Sec-WebSocket-Version: 13',
      '',
      '',
    ].join('\r\n'),
  );
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.pause();
      const head = received.subarray(0, end).toString('latin1');
      if (!head.startsWith('HTTP/1.1 101')) {
        socket.destroy();
        reject(new Error(`no upgrade: ${head}`));
        return;
      }
      resolve({ socket, rest: received.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

/**
 * Reads the server's frames (skipping its events) until its close frame; resolves with the close
 * code, or null when the connection ends without one (or nothing comes within `timeoutMs`).
 */
export function readCloseCode(
  upgraded: UpgradedSocket,
  timeoutMs = 10_000,
): Promise<number | null> {
  const { socket } = upgraded;
  return new Promise((resolve) => {
    let buffered = upgraded.rest;
    let settled = false;
    const finish = (code: number | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(code);
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    const scan = (): void => {
      for (;;) {
        const frame = nextFrame(buffered);
        if (frame === undefined) return;
        buffered = buffered.subarray(frame.size);
        if (frame.opcode === 8) {
          finish(frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : null);
          return;
        }
      }
    };
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      scan();
    });
    socket.on('close', () => finish(null));
    socket.on('error', () => {});
    socket.resume();
    scan();
  });
}

/** The first complete (unmasked, server-sent) frame in `bytes`, or undefined when incomplete. */
function nextFrame(bytes: Buffer): { opcode: number; payload: Buffer; size: number } | undefined {
  if (bytes.length < 2) return undefined;
  const opcode = (bytes[0] as number) & 0x0f;
  let length = (bytes[1] as number) & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (bytes.length < 4) return undefined;
    length = bytes.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (bytes.length < 10) return undefined;
    length = Number(bytes.readBigUInt64BE(2));
    offset = 10;
  }
  if (bytes.length < offset + length) return undefined;
  return { opcode, payload: bytes.subarray(offset, offset + length), size: offset + length };
}
