/**
 * A WebSocket client written by hand over a TCP socket, for what a library client hides: a
 * consumer that stops reading, and the exact frames (close code included) that reach it.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export class RawWebSocket {
  private pending: Buffer = Buffer.alloc(0);
  /** Bytes received after the handshake. */
  bytesReceived = 0;
  /** Data frames received. */
  dataFrames = 0;
  /** The close frame's code and reason, once received. */
  closeFrame: { code: number; reason: string } | undefined;

  private constructor(private readonly socket: Socket) {}

  /** Opens the socket and completes the handshake; the socket then stops reading until `readToEnd()`. */
  static async open(port: number, path: string): Promise<RawWebSocket> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
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
    const raw = new RawWebSocket(socket);
    await new Promise<void>((resolve, reject) => {
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer): void => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        socket.pause();
        if (!head.subarray(0, end).toString().startsWith('HTTP/1.1 101')) {
          reject(new Error(`handshake refused: ${head.subarray(0, end).toString()}`));
          return;
        }
        raw.take(head.subarray(end + 4));
        resolve();
      };
      socket.on('data', onData);
      socket.once('error', reject);
    });
    return raw;
  }

  /** Reads everything the server sends until it closes the connection. */
  readToEnd(): Promise<void> {
    return new Promise((resolve) => {
      this.socket.on('data', (chunk: Buffer) => this.take(chunk));
      this.socket.once('close', () => resolve());
      this.socket.once('error', () => {});
      this.socket.resume();
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Parses the frames in what has arrived (server frames are never masked). */
  private take(chunk: Buffer): void {
    this.bytesReceived += chunk.length;
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let offset = 0;
    while (offset + 2 <= this.pending.length) {
      const opcode = this.pending[offset]! & 0x0f;
      let length = this.pending[offset + 1]! & 0x7f;
      let start = offset + 2;
      if (length === 126) {
        if (start + 2 > this.pending.length) break;
        length = this.pending.readUInt16BE(start);
        start += 2;
      } else if (length === 127) {
        if (start + 8 > this.pending.length) break;
        length = Number(this.pending.readBigUInt64BE(start));
        start += 8;
      }
      if (start + length > this.pending.length) break;
      const payload = this.pending.subarray(start, start + length);
      if (opcode === 0x8) {
        this.closeFrame = { code: payload.readUInt16BE(0), reason: payload.subarray(2).toString() };
        // A client answers a close frame; the server then ends the connection.
        this.socket.end();
      } else if (opcode === 0x1 || opcode === 0x2) {
        this.dataFrames++;
      }
      offset = start + length;
    }
    this.pending = this.pending.subarray(offset);
  }
}
