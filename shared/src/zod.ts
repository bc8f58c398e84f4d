/**
 * The part of zod the contracts use, as one namespace (`import * as z from '../zod.js'`).
 * zod's own `z` namespace object drags every locale and the whole API into each bundle: the
 * daemon idled ~10 MiB higher with it (measured, docs/performance.md). Named re-exports let a
 * bundler keep only what is used.
 */
export {
  array,
  boolean,
  discriminatedUnion,
  enum,
  literal,
  looseObject,
  number,
  object,
  partialRecord,
  record,
  strictObject,
  string,
  union,
  unknown,
} from 'zod';
export type { infer, input, output, ZodArray, ZodOptional, ZodType } from 'zod';
