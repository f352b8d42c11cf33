/**
 * The error a client call rejects with when the server refuses a request (contract section 7):
 * every error answer is `{"error": "<message>", "code": "<STABLE_CODE>", …details}`.
 */

/** An answer the server gave with a 4xx or 5xx status. */
export class ClientError extends Error {
  override readonly name = 'ClientError';

  constructor(
    /** The HTTP status (400, 401, 404, 409, …). */
    readonly status: number,
    /** The server's stable code (`VALIDATION_FAILED`, `QUERY_SYNTAX`, …); `HTTP_<status>` when it sent none. */
    readonly code: string,
    message: string,
    /** The rest of the error's body (`attribute`, `position`, `attributes`, …). */
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

/** The ClientError an answer's status and body describe. */
export function errorOf(status: number, body: unknown): ClientError {
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const { error, code, ...details } = body as Record<string, unknown>;
    return new ClientError(
      status,
      typeof code === 'string' ? code : `HTTP_${status}`,
      typeof error === 'string' ? error : `the server answered ${status}`,
      details,
    );
  }
  return new ClientError(status, `HTTP_${status}`, `the server answered ${status}`);
}
