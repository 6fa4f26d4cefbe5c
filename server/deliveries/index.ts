import type { buildApp } from '../http/app.js';
import type { Logger } from 'pino';
import type { InvokeClient } from '../desk/invoke-client.js';
import type { PlaceCount } from '../http/connection-caps.js';
import type { VersionLedger } from '../sync/version-ledger.js';
import { ImportCoalescer, type ImportReport } from './coalescer.js';
import type { DeliveryConnector } from './connector.js';
import type { DoorLimits } from './door.js';
import { DeskImporter } from './import-client.js';
import { DeliveryMemory, logImport, registerDeliveryRoute } from './route.js';

export interface DeliveryServiceOptions {
  /** The connector whose deliveries the route takes. */
  connector: DeliveryConnector;
  deskApiUrl: string;
  deskConnection: string;
  invoke: InvokeClient;
  /** How long a first delivery waits for others to join its import (ms). */
  windowMs?: number;
  /** What this process sent each installation's Desk (pulls and imports): older deliveries are left out. */
  ledger?: VersionLedger | undefined;
  /** The import queue's bounds and items per import (coalescer.ts); tests narrow them. */
  queue?: { maxItems?: number; maxBatchesPerLane?: number; maxBatches?: number };
  maxImportBytes?: number;
  onImport?: (report: ImportReport) => void;
  /** The clock deliveries are judged by (the upstream's times; tests move it). */
  now?: () => number;
  /** The webhook door's bounds (door.ts); tests narrow them. */
  limits?: Partial<DoorLimits>;
}

/** An import's items, form-encoded as its Invoke call carries them, at most (with room for the call's other fields). */
export const IMPORT_INVOKE_MAX_BYTES = 4 * 1024 * 1024 - 64 * 1024;

/** The delivery path as one piece the app mounts: route, coalescing, Desk's import. */
export function deliveryService(o: DeliveryServiceOptions) {
  const importer = new DeskImporter(o.invoke, o.deskApiUrl, o.deskConnection);
  const imported = new DeliveryMemory();
  let log: Logger | undefined;
  let door: PlaceCount | undefined;
  const coalescer = new ImportCoalescer({
    send: (who, sync) => importer.import(who, sync),
    windowMs: o.windowMs ?? 25,
    // The Invoke call's body, form-encoded: a bound we keep below what Desk may take (README, guesses).
    maxBytes: o.maxImportBytes ?? IMPORT_INVOKE_MAX_BYTES,
    ...(o.ledger ? { ledger: o.ledger } : {}),
    ...o.queue,
    onImport: (_who, report) => {
      // Taken in as they were queued; a failed import lets a redelivery try again.
      if (!report.ok) for (const d of report.deliveries) imported.delete(d.id);
      if (log) logImport(log, report);
      o.onImport?.(report);
    },
  });
  return {
    importer,
    coalescer,
    /** Deliveries being received right now (the door's places held). */
    deliveriesInFlight: (): number => door?.held ?? 0,
    /** Resolves when exactly `n` deliveries are being received (a signal, not a poll). */
    whenDeliveriesInFlight: (n: number): Promise<void> => door?.whenHeld(n) ?? Promise.resolve(),
    register(app: ReturnType<typeof buildApp>['app']): void {
      log = app.log as Logger;
      door = registerDeliveryRoute(app, { connector: o.connector, coalescer, imported, limits: o.limits, now: o.now });
    },
  };
}

export type DeliveryService = ReturnType<typeof deliveryService>;
