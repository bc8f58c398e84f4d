import type { ProtocolErrorCode } from '@openase/shared';

/** Refusal of a daemon message, answered with an `error` frame naming the run. */
export class RunRefusal extends Error {
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
  ) {
    super(message);
  }
}
