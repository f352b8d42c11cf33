/**
 * Errors a client can cause. Every module of the runtime throws `ClientError` for a client mistake;
 * the HTTP layer turns it into `{"error": message, "code": code, ...details}` with its status.
 * Anything else that escapes is a bug or a store failure: a 500 that is logged with its stack.
 * The codes themselves are catalogued in `http/errors.ts`.
 */
export class ClientError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
    /** Headers the answer carries (name, value, …): `WWW-Authenticate` of a 401. */
    readonly headers: readonly string[] = [],
  ) {
    super(message);
    this.name = 'ClientError';
  }
}
