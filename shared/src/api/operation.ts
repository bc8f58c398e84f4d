/**
 * One operation of the platform API, as the catalogue (api/catalogue.ts) declares it: its kind,
 * its input schema, the API-token scope it needs and — when an agent may call it — the run-token
 * scope and how a run is confined. The tRPC router is built from these (control-plane/src/api/
 * trpc.ts `proc`), and the run/chat token allowlist is derived from them (api/agent-access.ts).
 * Roles are not here: what a person may do depends on the project and the thing acted on, so the
 * domain checks it.
 */
import type { ExecScope, TokenScope } from '../domain/enums.js';
import type { RunTokenScope } from '../domain/run-scopes.js';
import type * as z from '../zod.js';

export type OperationKind = 'query' | 'mutation' | 'subscription';

/** An input field naming a ticket or a project (the field must exist in the operation's input). */
type Field<I> = I extends z.ZodType ? Extract<keyof NonNullable<z.input<I>>, string> : never;

/** How a run token is held to its own project and ticket on this operation. */
export type Confinement<I = z.ZodType> =
  /** The run's own ticket, named in this field (a Project AI conversation: any ticket of its project if projectAi). */
  | { ownTicket: Field<I>; projectAi?: 'anyTicketOfProject' }
  /** Any ticket of the run's project. */
  | { projectTicket: Field<I> }
  /** The run's own project. */
  | { project: Field<I> }
  /** Only these input fields may be sent. */
  | { onlyFields: readonly Field<I>[] }
  /** A child of the run's own ticket: `parent` must name it. */
  | { childOf: Field<I> }
  /** A dependency between two tickets of which one is the run's own (a conversation: two tickets of its project). */
  | { linksOwnTicket: true };

/** One way a run token may call the operation: the scope it needs and the confinements applied. */
export interface RunAccess<I = z.ZodType> {
  scope: RunTokenScope;
  confine: readonly Confinement<I>[];
}

export interface Operation<
  K extends OperationKind = OperationKind,
  I extends z.ZodType | undefined = z.ZodType | undefined,
> {
  kind: K;
  input: I;
  /** The API-token scope (a token with `admin` has every scope). */
  apiScope: TokenScope;
  /** Alternatives, the first whose scope the run holds applies; absent: a run token may not call it. */
  run?: readonly RunAccess<I>[];
  /**
   * Code run on machines: the admin role and this scope for an API token (or in the run grant for an agent), always
   * or only when the call changes what workflow hooks run, or an agent's launch (control-plane/src/agents/launch.ts).
   * Enforced by `requireExec` in the domain.
   */
  exec?: { scope: ExecScope; when: 'always' | 'hooks change' | 'launch change' };
  /** The reply's schema (`returns`): the router validates replies with it and clients infer their type from it. */
  output?: z.ZodType;
}

function define<K extends OperationKind>(kind: K) {
  function op(apiScope: TokenScope): Operation<K, undefined>;
  function op<I extends z.ZodType>(apiScope: TokenScope, input: I, run?: readonly RunAccess<I>[]): Operation<K, I>;
  function op(apiScope: TokenScope, input?: z.ZodType, run?: readonly RunAccess[]): Operation<K> {
    return { kind, input, apiScope, ...(run ? { run } : {}) };
  }
  return op;
}

export const query = define('query');
export const mutation = define('mutation');
export const subscription = define('subscription');

/** Marks an operation as code execution on machines (Operation.exec). */
export function executes<O extends Operation>(
  op: O,
  scope: ExecScope,
  when: 'always' | 'hooks change' | 'launch change',
): O & { exec: { scope: ExecScope; when: 'always' | 'hooks change' | 'launch change' } } {
  return { ...op, exec: { scope, when } };
}

/** Declares the reply of an operation (domain/replies.ts). */
export function returns<O extends Operation, S extends z.ZodType>(op: O, output: S): O & { output: S } {
  return { ...op, output };
}

/** A run token needs `scope`, with these confinements. */
export function runs<I>(scope: RunTokenScope, ...confine: Confinement<I>[]): RunAccess<I> {
  return { scope, confine };
}

/** `tickets.move`: the dotted path tRPC routes by. */
export type OperationPath<C> = {
  [G in keyof C & string]: { [P in keyof C[G] & string]: `${G}.${P}` }[keyof C[G] & string];
}[keyof C & string];

type Catalogue = Record<string, Record<string, Operation>>;

/** The catalogue with each operation's dotted path stamped on it: `API.tickets.move.path` is `'tickets.move'`. */
export type Named<C extends Catalogue> = {
  readonly [G in keyof C & string]: { readonly [P in keyof C[G] & string]: C[G][P] & { readonly path: `${G}.${P}` } };
};

export function named<C extends Catalogue>(catalogue: C): Named<C> {
  return Object.fromEntries(
    Object.entries(catalogue).map(([group, ops]) => [
      group,
      Object.fromEntries(Object.entries(ops).map(([name, op]) => [name, { ...op, path: `${group}.${name}` }])),
    ]),
  ) as Named<C>;
}

/** Every operation with its path, for deriving tables (the run-token allowlist). */
export function operationsOf<C extends Catalogue>(catalogue: Named<C>): Array<Operation & { path: OperationPath<C> }> {
  return Object.values(catalogue).flatMap((ops) => Object.values(ops) as Array<Operation & { path: OperationPath<C> }>);
}
