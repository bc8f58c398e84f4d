/**
 * Gemini CLI retries failed model requests itself, with growing backoff, and says so only on
 * stderr: `Attempt 3 failed with status 500. Retrying with backoff... _ApiError: {"error":{…}}`.
 * A persistent 5xx would keep a headless run retrying for minutes (measured: still retrying
 * after 4), so the daemon reads these notices and stops the CLI after the retries it allows.
 */

/** Retries the daemon lets Gemini make on a 5xx when the spec's `provider.maxRetries` is unset. */
export const GEMINI_DEFAULT_SERVER_ERROR_RETRIES = 2;

export interface GeminiRetryNotice {
  attempt: number;
  status: number;
  /** The provider's own error message, when the notice carries its error body. */
  providerMessage?: string;
  /** The JSON after the notice (for reading a stated reset). */
  body?: string;
}

export function parseRetryNotice(line: string): GeminiRetryNotice | null {
  const m = /Attempt (\d+) failed with status (\d{3})[^{]*(\{.*)?/.exec(line);
  if (!m) return null;
  const body = m[3];
  let providerMessage: string | undefined;
  if (body) {
    try {
      const parsed = JSON.parse(body) as { error?: { message?: unknown } };
      if (typeof parsed.error?.message === 'string') providerMessage = parsed.error.message;
    } catch {
      providerMessage = /"message"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(body)?.[1];
    }
  }
  return {
    attempt: Number(m[1]),
    status: Number(m[2]),
    ...(providerMessage ? { providerMessage } : {}),
    ...(body ? { body } : {}),
  };
}

/** A server error Gemini has already retried `maxRetries` times: stop it and fail the turn. */
export function serverErrorExhausted(notice: GeminiRetryNotice, maxRetries: number | undefined): boolean {
  return notice.status >= 500 && notice.attempt >= (maxRetries ?? GEMINI_DEFAULT_SERVER_ERROR_RETRIES) + 1;
}
