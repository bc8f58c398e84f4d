/**
 * tRPC setup: context, error mapping and the procedure kinds every router builds on.
 * Domain code throws `OpenaseError`; here its code becomes the matching tRPC/HTTP status and
 * travels to clients as `data.appCode` next to the message.
 */
import { issueInWords } from './zod-words.js';
import { initTRPC, TRPCError } from '@trpc/server';
import { inSpan } from '../kernel/tracing.js';
import { ZodError } from 'zod';
import {
  findBadText,
  isOpenaseError,
  OpenaseError,
  unauthorized,
  type ErrorCode,
  type Operation,
  type OperationKind,
  type TokenScope,
} from '@openase/shared';
import type { ZodType } from '@openase/shared/zod';
import type { Actor, Deps } from '../kernel/context.js';
import type { DbOrTx } from '../db/database.js';
import { resolveProject } from '../kernel/resolve-project.js';
import { requireScopeOf } from '../auth/permissions.js';
import { checkAgentAccess } from './agent-access.js';

export interface ApiContext {
  deps: Deps;
  actor: Actor | null;
  /** Why authentication failed, when a credential was sent but refused. */
  authError?: string;
  /** The fleet hub (sending to machines); absent where no server runs. */
  fleet?: import('../fleet/hub.js').FleetHub;
  /** The console's public URL (links in pull requests); absent where no server runs. */
  publicUrl?: string;
}

type TrpcCode = TRPCError['code'];
const CODE_MAP: Record<ErrorCode, TrpcCode> = {
  BAD_REQUEST: 'BAD_REQUEST',
  VALIDATION_FAILED: 'BAD_REQUEST',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  TOO_MANY_REQUESTS: 'TOO_MANY_REQUESTS',
  DEPENDENCY_CYCLE: 'CONFLICT',
  DATA_DIR_LOCKED: 'CONFLICT',
  UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL: 'INTERNAL_SERVER_ERROR',
};

/**
 * One readable line per zod issue: `title: a title has at most 500 characters`. A record's refused key says why (zod
 * says only "Invalid key in record" and keeps the key schema's own message inside).
 */
export function describeZodError(error: ZodError): string {
  return error.issues
    .map((i) => {
      const inner = i.code === 'invalid_key' ? i.issues.map((k) => k.message).join(', ') : '';
      return `${i.path.length ? `${i.path.join('.')}: ` : ''}${inner || issueInWords(i)}`;
    })
    .join('; ');
}

const t = initTRPC.context<ApiContext>().create({
  sse: {
    ping: { enabled: true, intervalMs: 15_000 },
    client: { reconnectAfterInactivityMs: 45_000 },
  },
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    let appCode: ErrorCode = 'INTERNAL';
    let message = shape.message;
    let details: Record<string, unknown> | undefined;
    if (isOpenaseError(cause)) {
      appCode = cause.code;
      details = cause.details;
    } else if (cause instanceof ZodError) {
      appCode = 'VALIDATION_FAILED';
      message = `invalid input: ${describeZodError(cause)}`;
    } else if (error.code === 'PARSE_ERROR' || error.code === 'BAD_REQUEST') appCode = 'BAD_REQUEST';
    else if (error.code === 'UNAUTHORIZED') appCode = 'UNAUTHORIZED';
    else if (error.code === 'NOT_FOUND') appCode = 'NOT_FOUND';
    else if (error.code === 'PAYLOAD_TOO_LARGE') appCode = 'PAYLOAD_TOO_LARGE';
    else if (error.code === 'INTERNAL_SERVER_ERROR') message = 'internal error; the server log has the details';
    return { ...shape, message, data: { code: shape.data.code, httpStatus: shape.data.httpStatus, appCode, details } };
  },
});

export const router = t.router;

const mapDomainErrors = t.middleware(async ({ ctx, next, path }) => {
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    if (isOpenaseError(cause)) throw new TRPCError({ code: CODE_MAP[cause.code], message: cause.message, cause });
    if (cause instanceof ZodError)
      throw new TRPCError({ code: 'BAD_REQUEST', message: describeZodError(cause), cause });
    if (result.error.code === 'INTERNAL_SERVER_ERROR')
      ctx.deps.log.error({ err: result.error.cause ?? result.error, procedure: path }, `[api] ${path} failed`);
  }
  return result;
});

/** NUL and lone surrogates are refused in any input, once for every procedure (shared/src/domain/text.ts). */
const refuseBadText = t.middleware(async ({ getRawInput, next }) => {
  const bad = findBadText(await getRawInput());
  if (bad)
    throw new OpenaseError('VALIDATION_FAILED', `invalid input: ${bad.path ? `${bad.path}: ` : ''}${bad.reason}`);
  return next();
});

/** A span per procedure call when tracing is on (kernel/tracing.ts); an agent's run and ticket as attributes. */
const traced = t.middleware(({ ctx, path, type, next }) =>
  inSpan(
    `trpc ${path}`,
    {
      'rpc.system': 'trpc',
      'rpc.method': path,
      'openase.procedure_type': type,
      'openase.run': ctx.actor?.run?.runId,
      'openase.ticket': ctx.actor?.run?.ticketId ?? undefined,
    },
    async (span) => {
      const result = await next();
      if (!result.ok) span.fail(result.error);
      return result;
    },
  ),
);

export const publicProcedure = t.procedure.use(traced).use(mapDomainErrors).use(refuseBadText);

const requireActor = t.middleware(({ ctx, next }) => {
  if (!ctx.actor) {
    throw new TRPCError({
      code: 'UNAUTHORIZED',
      message: ctx.authError ?? 'sign in or send an API token (Authorization: Bearer oat_…)',
      cause: unauthorized(ctx.authError ?? 'not signed in'),
    });
  }
  return next({ ctx: { ...ctx, actor: ctx.actor } });
});

function scoped(scope: TokenScope) {
  return publicProcedure
    .use(requireActor)
    .use(async ({ ctx, next }) => {
      await requireScopeOf(ctx.deps.db, ctx.actor, scope);
      return next();
    })
    .use(async ({ ctx, path, getRawInput, next }) => {
      // Run tokens (agents) reach only an allowlist of procedures, confined to their ticket.
      if (ctx.actor.run) await checkAgentAccess(ctx.deps, ctx.actor, path, await getRawInput());
      return next();
    });
}

type Scoped = ReturnType<typeof scoped>;
function withInput<I extends ZodType>(base: Scoped, input: I) {
  return base.input(input);
}

/** The handler must return what the output schema accepts; the client's reply type is the schema's output. */
function withOutput<I extends ZodType, O extends ZodType>(base: Scoped, input: I, output: O) {
  return base.input(input).output(output);
}

/**
 * The procedure of one catalogue operation (`proc(API.tickets.move)`): its API-token scope, the run-token check and its
 * input schema, all from the catalogue in shared/ (catalogue-check.ts holds the router to it).
 */
export function proc<I extends ZodType, O extends ZodType>(
  op: Operation<OperationKind, I> & { output: O },
): ReturnType<typeof withOutput<I, O>>;
export function proc<I extends ZodType>(op: Operation<OperationKind, I>): ReturnType<typeof withInput<I>>;
export function proc(op: Operation<OperationKind, undefined>): Scoped;
export function proc(op: Operation): unknown {
  const base = scoped(op.apiScope);
  if (op.input && op.output) return withOutput(base, op.input, op.output);
  return op.input ? withInput(base, op.input) : base;
}

/** Queries: any authenticated caller whose token has `read`. */
export const readProcedure = scoped('read');
/** Mutations: `write` scope (roles are checked by the domain). */
export const writeProcedure = scoped('write');
/** Token and member management. */
export const adminProcedure = scoped('admin');

/** The query of a project's list: `list` reads it for the project the input names (as `resolveProject` finds it). */
export function projectListQuery<T>(list: (db: DbOrTx, projectId: string) => Promise<T>) {
  return async ({ ctx, input }: { ctx: { deps: Deps; actor: Actor }; input: { project: string } }) => {
    const project = await resolveProject(ctx.deps.db, ctx.actor.orgId, input.project);
    return list(ctx.deps.db, project.id);
  };
}
