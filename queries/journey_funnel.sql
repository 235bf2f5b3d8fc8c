-- journeyFunnel (metrics.md 6): reached contacts, and those of them with a SALES service opened at or
-- after their first reaching event of the period and less than attributionDays x 24 hours after it.
-- params: tenant_id, period_dt_from, dt_to, period_start_at, period_end_at, tenant_id, period_dt_from, dt_to, period_start_at, period_end_at, attribution_hours
with first_reach as (
    select contact_id, min(occurred_at) as reached_at
    from broadcast_events
    where tenant_id = ?
      and dt between ? and ?  -- local days span the neighbouring UTC dates
      and occurred_at >= from_iso8601_timestamp(?)
      and occurred_at < from_iso8601_timestamp(?)
      and status in ('DELIVERED', 'READ', 'CLICKED', 'REPLIED')  -- the DELIVERED stage, by implication
      and event_id is not null and broadcast_id is not null and message_id is not null
      and contact_id is not null and channel is not null
    group by contact_id
),

sales_openings as (
    select contact_id, opened_at
    from services
    where tenant_id = ?
      and dt between ? and ?
      and opened_at >= from_iso8601_timestamp(?)  -- a first reach is never before the period's start
      and opened_at < from_iso8601_timestamp(?)  -- nothing after the period's end is counted
      and module = 'SALES'
      and service_id is not null and contact_id is not null and channel is not null
)

select
    count(distinct r.contact_id) as reached,
    count(distinct s.contact_id) as sales
from first_reach as r
left join sales_openings as s
    on s.contact_id = r.contact_id
    and s.opened_at >= r.reached_at
    and s.opened_at < r.reached_at + interval '1' hour * cast(? as bigint)
