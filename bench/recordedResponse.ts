/** One HTTP answer captured byte for byte, so the ceiling server can replay it. */
import { request } from 'node:http';

export interface RecordedResponse {
  readonly status: number;
  /** Header name/value pairs as received, minus those node:http writes itself. */
  readonly headers: readonly (readonly [string, string])[];
  readonly bodyBase64: string;
}

/** Headers that describe the connection or the moment rather than the answer; node:http sets its own. */
const CONNECTION_HEADERS = new Set([
  'connection',
  'keep-alive',
  'date',
  'content-length',
  'transfer-encoding',
]);

export function isRecordedResponse(value: unknown): value is RecordedResponse {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Record<keyof RecordedResponse, unknown>>;
  return (
    typeof candidate.status === 'number' &&
    typeof candidate.bodyBase64 === 'string' &&
    Array.isArray(candidate.headers) &&
    candidate.headers.every(
      (pair: unknown) =>
        Array.isArray(pair) &&
        pair.length === 2 &&
        pair.every((part: unknown) => typeof part === 'string'),
    )
  );
}

/** GETs `url` and keeps its status, headers and body. */
export function recordResponse(url: string): Promise<RecordedResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const headers: [string, string][] = [];
        for (let index = 0; index + 1 < response.rawHeaders.length; index += 2) {
          const name = response.rawHeaders[index]!;
          if (!CONNECTION_HEADERS.has(name.toLowerCase()))
            headers.push([name, response.rawHeaders[index + 1]!]);
        }
        resolve({
          status: response.statusCode ?? 0,
          headers,
          bodyBase64: Buffer.concat(chunks).toString('base64'),
        });
      });
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}
