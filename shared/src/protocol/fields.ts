/** Field schemas the daemon protocol's frames share. */
import * as z from '../zod.js';

/** An id on the wire: a run, a machine, a request. */
export const id = z.string().min(1).max(100);
/** The lease epoch a frame about a run carries: the control plane refuses any other than the run's current one. */
export const leaseEpoch = z.number().int().min(1);
/** A full git commit hash (SHA-1 or SHA-256). */
export const sha = z.string().regex(/^[0-9a-f]{40,64}$/);

/** A frame about one run: its `type`, the run's id and the lease epoch; `.extend` it with the frame's own fields. */
export const runFrame = <T extends string>(type: T) => z.object({ type: z.literal(type), runId: id, leaseEpoch });
