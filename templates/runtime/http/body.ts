/**
 * Request bodies (contract section 4.1): read up to the size limit, then decoded by their content
 * type. JSON is assumed when the type is absent and the body looks like JSON.
 */
import type { IncomingMessage } from 'node:http';
import { addExtension, Decoder as CborDecoder } from 'cbor-x';
import { Unpackr } from 'msgpackr';
import { MAX_BIGINT_BYTES, MAX_BIGINT_DIGITS } from '../store/limits.js';
import { clientError } from './errors.js';
import { checkCborText, checkMsgpackText, objectsOfMaps, parseJsonExact } from './exactDecode.js';

/**
 * CBOR big integers (tags 2 and 3), decoded in linear time and refused beyond the size a BigInt may
 * have: cbor-x's own decoding shifts once per byte, quadratic in the size a body may reach.
 */
function decodeBignum(bytes: Uint8Array): bigint {
  if (bytes.byteLength > MAX_BIGINT_BYTES) {
    throw new Error(`a big integer has more than ${MAX_BIGINT_DIGITS} digits`);
  }
  return bytes.byteLength === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
}
// cbor-x's extension registry is its module's; without a Class, only decoding is replaced.
const decodeOnly = (tag: number, decode: (bytes: Uint8Array) => bigint) =>
  addExtension({ tag, decode } as unknown as Parameters<typeof addExtension>[0]);
decodeOnly(2, decodeBignum);
decodeOnly(3, (bytes) => -1n - decodeBignum(bytes));

// Maps are decoded as `Map`s and turned into objects by `objectsOfMaps`, which keeps every key as
// sent (the decoders' own objects rename `__proto__` and turn numbers into text).
const cbor = new CborDecoder({ useRecords: false, mapsAsObjects: false });
const msgpack = new Unpackr({ useRecords: false, mapsAsObjects: false, int64AsType: 'bigint' });
/** JSON is UTF-8 (RFC 8259): bytes that are not are refused, not replaced with U+FFFD and stored. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Reads the whole body, refusing (413) one larger than `limit` bytes before or while it arrives. */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = request.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    // The rest is read and discarded while the 413 goes out (`afterBodyDiscarded`).
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        // Stop buffering; the rest is read and discarded while the 413 goes out.
        cleanup();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (): void => {
      cleanup();
      reject(clientError('REQUEST_ABORTED', 'The request ended before its body was complete'));
    };
    const cleanup = (): void => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('aborted', onError);
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('aborted', onError);
  });
}

/** Bytes of a refused body read and thrown away, at most, so that its 413 reaches the client. */
const MAX_DISCARDED_BYTES = 64 * 1024 * 1024;

/**
 * Calls `done` once the rest of a refused request body has arrived (read and thrown away), the
 * client has gone, or more than `MAX_DISCARDED_BYTES` came. Closing a connection while the client's
 * bytes are still unread makes the kernel answer with a reset, and a client that gets the reset
 * before it read the 413 never sees it; after the body has arrived, the close is a clean one.
 */
export function afterBodyDiscarded(request: IncomingMessage, done: () => void): void {
  if (request.complete || request.destroyed) {
    done();
    return;
  }
  let discarded = 0;
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    request.off('data', onData);
    request.off('end', finish);
    request.off('close', finish);
    request.off('error', finish);
    done();
  };
  const onData = (chunk: Buffer): void => {
    discarded += chunk.length;
    if (discarded > MAX_DISCARDED_BYTES) finish();
  };
  request.on('data', onData);
  request.once('end', finish);
  request.once('close', finish);
  request.once('error', finish);
  request.resume();
}

function tooLarge(limit: number) {
  return clientError(
    'PAYLOAD_TOO_LARGE',
    `The request body is larger than the limit of ${limit} bytes`,
    { limit },
  );
}

/** The body formats a write accepts. */
type BodyFormat = 'json' | 'cbor' | 'msgpack';

const BODY_TYPES: ReadonlyMap<string, BodyFormat> = new Map([
  ['application/json', 'json'],
  ['application/cbor', 'cbor'],
  ['application/x-msgpack', 'msgpack'],
  ['application/msgpack', 'msgpack'],
  ['application/vnd.msgpack', 'msgpack'],
]);

/** Decodes a body by its `Content-Type`; malformed → 400, unsupported type → 415, empty → 400. */
export function decodeBody(body: Buffer, contentType: string | undefined): unknown {
  if (body.length === 0)
    throw clientError('BODY_REQUIRED', 'This request needs a body: the record to write');
  const format = bodyFormat(body, contentType);
  try {
    switch (format) {
      case 'json':
        return parseJsonExact(UTF8.decode(body));
      case 'cbor':
        checkCborText(body);
        return objectsOfMaps(cbor.decode(body));
      case 'msgpack':
        checkMsgpackText(body);
        return objectsOfMaps(msgpack.unpack(body));
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw clientError('MALFORMED_BODY', `The body is not valid ${FORMAT_NAMES[format]}: ${reason}`);
  }
}

const FORMAT_NAMES: Readonly<Record<BodyFormat, string>> = {
  json: 'JSON',
  cbor: 'CBOR',
  msgpack: 'MessagePack',
};

function bodyFormat(body: Buffer, contentType: string | undefined): BodyFormat {
  if (contentType === undefined || contentType.trim() === '') {
    if (looksLikeJson(body)) return 'json';
    throw clientError(
      'UNSUPPORTED_MEDIA_TYPE',
      'The body has no Content-Type; send application/json, application/cbor or application/x-msgpack',
    );
  }
  const mediaType = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  const format = BODY_TYPES.get(mediaType);
  if (format === undefined) {
    throw clientError(
      'UNSUPPORTED_MEDIA_TYPE',
      `Content-Type ${mediaType} is not supported; send application/json, application/cbor or application/x-msgpack`,
      { contentType: mediaType },
    );
  }
  return format;
}

/** Whether the first non-blank byte opens a JSON object or array. */
function looksLikeJson(body: Buffer): boolean {
  for (const byte of body) {
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue;
    return byte === 0x7b || byte === 0x5b;
  }
  return false;
}
