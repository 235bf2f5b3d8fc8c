-- messageFunnel (metrics.md 5): contacts with an event of each stage in the period.
-- A status reaches its own stage and every stage before it; REJECTED and unknown statuses reach none.
-- params: tenant_id, period_dt_from, dt_to, period_start_at, period_end_at
with period_events as (
    select contact_id, status
    from broadcast_events
    where tenant_id = ?
      and dt between ? and ?  -- local days span the neighbouring UTC dates
      and occurred_at >= from_iso8601_timestamp(?)
      and occurred_at < from_iso8601_timestamp(?)
      and event_id is not null and broadcast_id is not null and message_id is not null
      and contact_id is not null and channel is not null and status is not null
)

select
    count(distinct case
        when status in ('SENT', 'DELIVERED', 'NOT_DELIVERED', 'READ', 'CLICKED', 'REPLIED') then contact_id
    end) as sent_contacts,
    count(distinct case when status in ('DELIVERED', 'READ', 'CLICKED', 'REPLIED') then contact_id end) as delivered_contacts,
    count(distinct case when status in ('READ', 'CLICKED', 'REPLIED') then contact_id end) as read_contacts,
    count(distinct case when status = 'CLICKED' then contact_id end) as clicked_contacts,
    count(distinct case when status = 'REPLIED' then contact_id end) as replied_contacts
from period_events
