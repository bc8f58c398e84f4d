/**
 * Errors are values with a machine-readable code and a message a user can act on.
 * The control plane throws `OpenaseError`; the API edge maps the code to an HTTP/tRPC status,
 * and clients (CLI, web) read `code` to decide what to do and print `message` as is.
 */
export const ERROR_CODES = [
  'BAD_REQUEST',
  'VALIDATION_FAILED',
  'NOT_FOUND',
  'CONFLICT',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'PAYLOAD_TOO_LARGE',
  'TOO_MANY_REQUESTS',
  'DEPENDENCY_CYCLE',
  'DATA_DIR_LOCKED',
  /** The control plane is shutting down (or a part of it is not up): the same call works once it is back. */
  'UNAVAILABLE',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The HTTP status each code is answered with at the API edge. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  PAYLOAD_TOO_LARGE: 413,
  TOO_MANY_REQUESTS: 429,
  DEPENDENCY_CYCLE: 409,
  DATA_DIR_LOCKED: 409,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

export class OpenaseError extends Error {
  override readonly name = 'OpenaseError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function isOpenaseError(value: unknown): value is OpenaseError {
  return value instanceof OpenaseError;
}

/** Shorthands so call sites read as sentences: `throw notFound('ticket DEMO-9 does not exist')`. */
export const notFound = (message: string) => new OpenaseError('NOT_FOUND', message);
export const conflict = (message: string) => new OpenaseError('CONFLICT', message);
export const badRequest = (message: string) => new OpenaseError('BAD_REQUEST', message);
export const forbidden = (message: string) => new OpenaseError('FORBIDDEN', message);
export const unauthorized = (message: string) => new OpenaseError('UNAUTHORIZED', message);
