-- reachedContacts (metrics.md 2): contacts with an event of the DELIVERED stage,
-- in the period (value) and in the previous period (previous).
-- params: period_start_at, tenant_id, previous_dt_from, dt_to, previous_start_at, period_end_at
with bounds as (
    select from_iso8601_timestamp(?) as period_start_at
),

reaching_events as (
    select contact_id, occurred_at
    from broadcast_events
    where tenant_id = ?
      and dt between ? and ?  -- local days span the neighbouring UTC dates
      and occurred_at >= from_iso8601_timestamp(?)
      and occurred_at < from_iso8601_timestamp(?)
      and status in ('DELIVERED', 'READ', 'CLICKED', 'REPLIED')  -- the DELIVERED stage, by implication
      and event_id is not null and broadcast_id is not null and message_id is not null
      and contact_id is not null and channel is not null
)

select
    count(distinct case when e.occurred_at >= b.period_start_at then e.contact_id end) as value,
    count(distinct case when e.occurred_at < b.period_start_at then e.contact_id end) as previous
from reaching_events as e
cross join bounds as b
