/**
 * @module
 * Fan-out of audit events to live listeners (the console's event stream, metrics),
 * called only after the transaction that wrote them committed.
 */
import type { AuditEvent } from "./store/audit.js";

export type AuditSubscriber = (event: AuditEvent) => void;

export interface AuditBus {
  publish(events: readonly AuditEvent[]): void;
  subscribe(subscriber: AuditSubscriber): () => void;
}

export function createAuditBus(onError: (error: unknown) => void = () => {}): AuditBus {
  const subscribers = new Set<AuditSubscriber>();
  return {
    publish(events) {
      for (const event of events) {
        for (const subscriber of subscribers) {
          try {
            subscriber(event);
          } catch (error) {
            // A broken listener must never fail a decision that is already committed.
            onError(error);
          }
        }
      }
    },
    subscribe(subscriber) {
      subscribers.add(subscriber);
      return () => subscribers.delete(subscriber);
    },
  };
}
