import { closedPeriod } from '../core/closed-period.ts';
import { firesAt } from '../pipeline/due-subscriptions.ts';
import { notifyFailure } from '../pipeline/notify-failure.ts';
import {
  runSubscription,
  type PipelineDeps,
  type RunRecord,
  type SubscriptionRun,
} from '../pipeline/run-subscription.ts';
import { duckDbEngineFactory } from '../local/duckdb-engine.ts';
import { FolderReportStore } from '../local/folder-report-store.ts';
import { OutboxMailer } from '../local/outbox-mailer.ts';

export interface LocalScheduleOptions {
  lakeDir: string;
  archiveDir: string;
  outboxDir: string;
  sender: string;
  /** Attempts per subscription before its admins are told (the scheduler's retry policy, locally). */
  attempts: number;
  log?: (message: string) => void;
}

export interface ScheduledSubscription extends SubscriptionRun {
  sendAt: string;
}

/** The pipeline's adapters on this machine: DuckDB over the lake, a folder archive, an outbox of .eml files. */
export function localPipeline(options: LocalScheduleOptions): PipelineDeps {
  const store = new FolderReportStore({ root: options.archiveDir });
  return {
    openEngine: duckDbEngineFactory({ lakeDir: options.lakeDir }),
    store,
    mailer: new OutboxMailer({ outbox: options.outboxDir }),
    sender: options.sender,
    now: () => new Date(),
    reportLink: (_tenant, key) => store.readUrl(key, 1), // a file:// link, which never expires
  };
}

export interface ScheduleOutcome {
  subscriptionId: string;
  record?: RunRecord;
  error?: string;
  notified?: boolean;
}

/**
 * Simulates EventBridge Scheduler at one instant: runs each subscription that fires then (or all of them),
 * retrying a failed run, and after the last attempt tells the subscription's admins.
 */
export async function runSchedules(
  subscriptions: ScheduledSubscription[],
  at: Date,
  options: LocalScheduleOptions & { all?: boolean },
): Promise<ScheduleOutcome[]> {
  const deps = localPipeline(options);
  const log = options.log ?? (() => undefined);
  const outcomes: ScheduleOutcome[] = [];
  for (const sub of subscriptions.filter((s) => options.all || firesAt(s, at))) {
    let lastError = '';
    for (let attempt = 1; attempt <= options.attempts; attempt++) {
      try {
        const record = await runSubscription(sub, at, deps);
        log(`${sub.id}: ${record.status} ${record.period.start}..${record.period.end}`);
        outcomes.push({ subscriptionId: sub.id, record });
        lastError = '';
        break;
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
        log(`${sub.id}: attempt ${attempt}/${options.attempts} failed: ${lastError}`);
      }
    }
    if (lastError) {
      const period = closedPeriod(sub.cadence, sub.timezone, at);
      await notifyFailure({ ...sub, subscriptionId: sub.id, period, error: lastError }, deps.mailer, options.sender);
      outcomes.push({ subscriptionId: sub.id, error: lastError, notified: true });
    }
  }
  return outcomes;
}
