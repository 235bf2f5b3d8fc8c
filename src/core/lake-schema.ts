import type { TableName } from './report.types.ts';

/** The columns of the data contract (docs/data-contract.md) that reports read. */
export interface ColumnSpec {
  name: string;
  type: 'string' | 'timestamp';
  required: boolean;
}

const col = (name: string, type: ColumnSpec['type'], required = true): ColumnSpec => ({ name, type, required });

export const LAKE_SCHEMA: Record<TableName, ColumnSpec[]> = {
  contacts: [
    col('contact_id', 'string'),
    col('phone', 'string', false),
    col('created_at', 'timestamp'),
    col('deleted_at', 'timestamp', false),
  ],
  broadcast_events: [
    col('event_id', 'string'),
    col('broadcast_id', 'string'),
    col('message_id', 'string'),
    col('contact_id', 'string'),
    col('channel', 'string'),
    col('status', 'string'),
    col('occurred_at', 'timestamp'),
  ],
  services: [
    col('service_id', 'string'),
    col('contact_id', 'string'),
    col('module', 'string'),
    col('channel', 'string'),
    col('opened_at', 'timestamp'),
    col('closed_at', 'timestamp', false),
  ],
  service_messages: [
    col('message_id', 'string'),
    col('service_id', 'string'),
    col('contact_id', 'string'),
    col('module', 'string'),
    col('direction', 'string'),
    col('sent_at', 'timestamp'),
  ],
};
