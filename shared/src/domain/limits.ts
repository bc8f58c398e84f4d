/** Input size limits, enforced at the API edge and documented in docs/data-model.md. */
export const LIMITS = {
  nameMax: 100,
  titleMax: 500,
  descriptionMax: 100_000,
  commentMax: 100_000,
  labelMax: 50,
  labelsMax: 20,
  urlMax: 2_000,
  envValueMax: 32_768,
  /** A harness file (front matter + body), in characters. */
  harnessMax: 200_000,
  /** One file of a skill, in bytes. */
  skillFileMax: 262_144,
  /** All files of one skill together, in bytes (base64 in a request must stay under requestBodyMax). */
  skillTotalMax: 524_288,
  skillFilesMax: 200,
  /** Longest relative path of a skill file. */
  skillPathMax: 255,
  /** Largest HTTP request body the API accepts (bytes). */
  requestBodyMax: 1_048_576,
  /** Calls in one tRPC batch request. */
  trpcBatchMax: 50,
  /** Cost of one request: 1 per call, `heavyCallCost` per parse-and-render call (api-guard.ts). */
  requestCostMax: 100,
  heavyCallCost: 10,
} as const;
