/**
 * The notification service of one control-plane process: it follows committed changes (activity, runs, lost
 * machines), turns them into notifications (notifications/events.ts → fanout.ts) and sends due deliveries
 * (delivery.ts). Every replica runs one; keyed inserts and claimed sends keep each notification single.
 */
import type { ActivityEntry } from '../activity/activity.js';
import type { Deps } from '../kernel/context.js';
import type { RunChange } from '../kernel/change-bus.js';
import { DEFAULT_DELIVERY_POLICY, deliverDue, type DeliveryPolicy } from './delivery.js';
import { eventFromLostMachine, eventFromRun, eventsFromActivity, type NotifyEvent } from './events.js';
import { enqueueDeliveries, enqueueInbox, watchAsCreator } from './fanout.js';

export interface NotifierOptions {
  /** Base of the links in messages (the console's public URL). */
  publicUrl: string;
  policy?: Partial<DeliveryPolicy>;
  /** How often due retries are looked for. */
  pollMs?: number;
}

const FAILED = new Set(['failed', 'timed_out', 'stalled', 'lost']);

export class Notifier {
  readonly policy: DeliveryPolicy;
  private chain: Promise<void> = Promise.resolve();
  private stops: Array<() => void> = [];
  private timer: NodeJS.Timeout | null = null;
  private sending: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private readonly seenLost = new Set<string>();

  constructor(
    private readonly deps: Deps,
    private readonly opts: NotifierOptions,
  ) {
    this.policy = { ...DEFAULT_DELIVERY_POLICY, ...opts.policy };
  }

  start(): void {
    this.stops.push(this.deps.bus.onActivity((entry) => this.enqueue(() => this.fromActivity(entry))));
    this.stops.push(
      this.deps.bus.onRun((change: RunChange) => {
        if (FAILED.has(change.state)) this.enqueue(() => this.fromRun(change));
      }),
    );
    this.timer = setInterval(() => this.wake(), this.opts.pollMs ?? 2000);
    this.timer.unref();
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const stop of this.stops.splice(0)) stop();
    if (this.timer) clearInterval(this.timer);
    await this.chain;
    await this.sending;
  }

  /** A machine was found lost (fleet/hub.ts). */
  machineLost(m: { id: string; name: string; orgId: string; disconnectedAt: Date }): void {
    const event = eventFromLostMachine(m);
    // Every sweep reports a lost machine again; once per process is enough (the key dedupes across replicas).
    if (this.seenLost.has(event.key)) return;
    this.seenLost.add(event.key);
    this.enqueue(() => this.notify(event));
  }

  /** Resolves when everything noticed so far has been turned into deliveries and inbox entries (tests, bench). */
  idle(): Promise<void> {
    return this.chain;
  }

  private enqueue(work: () => Promise<void>): void {
    if (this.stopped) return;
    this.chain = this.chain
      .then(work)
      .catch((err: unknown) => this.deps.log.error({ component: 'notify', err }, `[notify] ${(err as Error).message}`));
  }

  private async fromActivity(entry: ActivityEntry): Promise<void> {
    if (entry.action === 'ticket.created' && entry.actorType === 'user' && entry.ticketId)
      await watchAsCreator(this.deps, entry.ticketId, entry.actorId);
    for (const e of await eventsFromActivity(this.deps.db, entry)) await this.notify(e);
  }

  private async fromRun(change: RunChange): Promise<void> {
    const e = await eventFromRun(this.deps.db, change.runId, change.state);
    if (e) await this.notify(e);
  }

  private async notify(e: NotifyEvent): Promise<void> {
    if ((await enqueueDeliveries(this.deps, e, this.opts.publicUrl)) > 0) this.wake();
    this.deps.bus.publishInbox(await enqueueInbox(this.deps, e));
  }

  /** Sends what is due, looping while a batch came back full or new work arrived meanwhile. */
  wake(): void {
    if (this.stopped) return;
    if (this.sending) {
      this.again = true;
      return;
    }
    this.sending = (async () => {
      do {
        this.again = false;
        try {
          while ((await deliverDue(this.deps, this.policy)) > 0 && !this.stopped);
        } catch (err) {
          this.deps.log.warn({ component: 'notify', err }, `[notify] delivery failed: ${(err as Error).message}`);
        }
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.sending = null;
    });
  }
}
