import type { LakeRow, LakeRows } from './lake-builder.ts';

/** Compact builders for test rows of each lake table; ids are derived so duplicates are explicit. */
let seq = 0;
const next = (prefix: string) => `${prefix}-${++seq}`;

export function contact(
  tenant_id: string,
  dt: string,
  contact_id: string,
  phone: string | null,
  created_at: string,
  deleted_at: string | null = null,
): LakeRow {
  return { tenant_id, dt, contact_id, phone, created_at, deleted_at };
}

export function event(
  tenant_id: string,
  contact_id: string,
  status: string,
  occurred_at: string,
  ids: { event_id?: string; message_id?: string; broadcast_id?: string } = {},
): LakeRow {
  return {
    tenant_id,
    event_id: ids.event_id ?? next('e'),
    broadcast_id: ids.broadcast_id ?? 'b-1',
    message_id: ids.message_id ?? `m-${contact_id}`,
    contact_id,
    channel: 'WHATSAPP',
    status,
    occurred_at,
  };
}

export function service(
  tenant_id: string,
  contact_id: string,
  module: string,
  opened_at: string,
  service_id: string = next('s'),
): LakeRow {
  return { tenant_id, service_id, contact_id, module, channel: 'WHATSAPP', opened_at, closed_at: null };
}

export function message(
  tenant_id: string,
  contact_id: string,
  module: string,
  direction: string,
  sent_at: string,
  message_id: string = next('sm'),
): LakeRow {
  return { tenant_id, message_id, service_id: `s-of-${contact_id}`, contact_id, module, direction, sent_at };
}

/** One acme contact in the base, reached on 2026-11-17 and in a SALES service the next day: a lake with a digest. */
export function oneContactLake(): LakeRows {
  return {
    contacts: [contact('acme', '2026-11-23', 'k1', '+5511987654321', '2020-01-01T00:00:00Z')],
    broadcast_events: [event('acme', 'k1', 'READ', '2026-11-17T12:00:00Z')],
    services: [service('acme', 'k1', 'SALES', '2026-11-18T12:00:00Z')],
  };
}
