/** Input size limits, enforced at the API edge and documented in docs/data-model.md. */
export const LIMITS = {
  nameMax: 100,
  titleMax: 500,
  descriptionMax: 100_000,
  commentMax: 100_000,
  labelMax: 50,
  labelsMax: 20,
  urlMax: 2_000,
  /** Largest HTTP request body the API accepts (bytes). */
  requestBodyMax: 1_048_576,
} as const;
