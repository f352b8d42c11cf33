/**
 * The hostile-input corpus (test/corpus/*.json): requests kept as data, each with the answer the
 * contract gives it. This module reads the files and turns a case into the bytes that go out.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ExampleName } from '../helpers/generatedServer.js';
import type { FrameSpec } from './rawWebSocket.js';

export const CORPUS_DIR = path.resolve(import.meta.dirname, '..', 'corpus');

/** Text or bytes repeated: long values without storing them whole. */
export type Part =
  | { readonly text: string; readonly times: number }
  | { readonly base64: string; readonly times: number };

interface CaseBase {
  /** What kind of mistake it is, for the report by class. */
  readonly class: string;
  readonly name: string;
}

export interface HttpCase extends CaseBase {
  readonly method: string;
  /** The request target (path and query), sent as it is. */
  readonly target: string;
  readonly targetParts?: readonly Part[];
  readonly headers?: Readonly<Record<string, string>>;
  readonly headerParts?: { readonly name: string; readonly parts: readonly Part[] };
  readonly body?: string;
  readonly bodyBase64?: string;
  readonly bodyParts?: readonly Part[];
  /** The whole request, sent as it is instead of one built from the fields above. */
  readonly raw?: string;
  readonly rawBase64?: string;
  /** Half-close the connection after sending. */
  readonly hangUp?: boolean;
  /** The status of the answer, or `closed`: the server closes the connection without answering. */
  readonly expect: number | 'closed';
  /** The error code of the JSON error body, when the answer is the server's own. */
  readonly code?: string;
}

export interface FrameCase {
  readonly fin?: boolean;
  readonly rsv?: number;
  readonly opcode: number;
  readonly mask?: boolean;
  readonly payload?: string;
  readonly payloadBase64?: string;
  readonly payloadParts?: readonly Part[];
  readonly declaredLength?: number;
}

export interface WebSocketCase extends CaseBase {
  /** The path the socket subscribes to. */
  readonly websocket: string;
  /** Frames sent once the socket is open. */
  readonly frames: readonly FrameCase[];
  /** The code of the server's close frame. */
  readonly expectClose: number;
}

export type CorpusCase = HttpCase | WebSocketCase;

export interface CorpusFile {
  readonly file: string;
  readonly description: string;
  readonly cases: readonly CorpusCase[];
}

export interface CorpusServer {
  readonly example: ExampleName;
  readonly env: Readonly<Record<string, string>>;
  /** Writes made before the corpus runs; the store must hold exactly these afterwards. */
  readonly seed: readonly {
    readonly method: string;
    readonly target: string;
    readonly body: unknown;
  }[];
}

export function loadCorpusServer(): CorpusServer {
  return JSON.parse(readFileSync(path.join(CORPUS_DIR, 'server.json'), 'utf8')) as CorpusServer;
}

export function loadCorpus(): CorpusFile[] {
  return readdirSync(CORPUS_DIR)
    .filter((file) => file.endsWith('.json') && file !== 'server.json')
    .sort()
    .map((file) => {
      const data = JSON.parse(readFileSync(path.join(CORPUS_DIR, file), 'utf8')) as Omit<
        CorpusFile,
        'file'
      >;
      return { file, ...data };
    });
}

export function isWebSocketCase(item: CorpusCase): item is WebSocketCase {
  return 'websocket' in item;
}

function joinParts(parts: readonly Part[]): Buffer {
  return Buffer.concat(
    parts.map((part) => {
      const unit =
        'text' in part ? Buffer.from(part.text, 'utf8') : Buffer.from(part.base64, 'base64');
      return Buffer.concat(Array.from({ length: part.times }, () => unit));
    }),
  );
}

function bodyOf(item: HttpCase): Buffer | undefined {
  if (item.bodyParts !== undefined) return joinParts(item.bodyParts);
  if (item.bodyBase64 !== undefined) return Buffer.from(item.bodyBase64, 'base64');
  if (item.body !== undefined) return Buffer.from(item.body, 'utf8');
  return undefined;
}

/** The bytes of an HTTP case: its raw request, or one built with `Connection: close`. */
export function requestBytes(item: HttpCase): Buffer {
  if (item.rawBase64 !== undefined) return Buffer.from(item.rawBase64, 'base64');
  if (item.raw !== undefined) return Buffer.from(item.raw, 'latin1');
  const target =
    item.targetParts !== undefined ? joinParts(item.targetParts).toString('latin1') : item.target;
  const body = bodyOf(item);
  const headers: [string, string][] = [
    ['Host', '127.0.0.1'],
    ['Connection', 'close'],
  ];
  const given = Object.entries(item.headers ?? {});
  headers.push(...given);
  if (item.headerParts !== undefined) {
    headers.push([item.headerParts.name, joinParts(item.headerParts.parts).toString('latin1')]);
  }
  const framed = given.some(([name]) => /^(content-length|transfer-encoding)$/i.test(name));
  if (body !== undefined && !framed) headers.push(['Content-Length', String(body.length)]);
  const head = `${item.method} ${target} HTTP/1.1\r\n${headers.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`;
  return body === undefined
    ? Buffer.from(head, 'latin1')
    : Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

export function frameSpec(frame: FrameCase): FrameSpec {
  const payload =
    frame.payloadParts !== undefined
      ? joinParts(frame.payloadParts)
      : frame.payloadBase64 !== undefined
        ? Buffer.from(frame.payloadBase64, 'base64')
        : Buffer.from(frame.payload ?? '', 'utf8');
  return {
    fin: frame.fin,
    rsv: frame.rsv,
    opcode: frame.opcode,
    mask: frame.mask,
    payload,
    declaredLength: frame.declaredLength === undefined ? undefined : BigInt(frame.declaredLength),
  };
}
