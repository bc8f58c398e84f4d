/**
 * Holds the router to the catalogue in shared/ at compile time: the same groups, the same operation names, the same
 * kind (query, mutation, subscription) for each. Inputs and scopes cannot drift: every procedure is built by
 * `proc(API.<group>.<name>)`. A procedure added, renamed or removed on one side only fails `npm run typecheck` here.
 */
import { API, type Api } from '@openase/shared';
import type { AppRouter } from './router.js';

type KindOf<P> = P extends { _def: { type: infer T } } ? T : never;
type RouterKinds = {
  [G in keyof AppRouter['_def']['record']]: {
    [P in keyof AppRouter['_def']['record'][G]]: KindOf<AppRouter['_def']['record'][G][P]>;
  };
};
type CatalogueKinds = {
  -readonly [G in keyof Api]: { -readonly [P in keyof Api[G]]: Api[G][P] extends { kind: infer K } ? K : never };
};

/** True only when A and B are the same type. */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

export const ROUTER_MATCHES_CATALOGUE: Same<RouterKinds, CatalogueKinds> = true;

// A caller naming an operation the catalogue does not have fails to compile (what a rename without its callers does).
// @ts-expect-error -- `tickets.moveTo` is not in the catalogue
export const NOT_IN_THE_CATALOGUE = API.tickets.moveTo;
