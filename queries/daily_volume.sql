-- dailyVolume (metrics.md 9): per local date of the period, messages with a SENT-status event that day,
-- and SALES and SUPPORT services opened that day.
-- params: tenant_id, period_dt_from, dt_to, period_start_at, period_end_at, tenant_id, period_dt_from, dt_to, period_start_at, period_end_at, timezone
with sends as (
    select broadcast_id || '/' || message_id as item_id, occurred_at as happened_at, 'BROADCAST' as kind
    from broadcast_events
    where tenant_id = ?
      and dt between ? and ?  -- local days span the neighbouring UTC dates
      and occurred_at >= from_iso8601_timestamp(?)
      and occurred_at < from_iso8601_timestamp(?)
      and status = 'SENT'  -- the SENT status itself: a message is counted on the day it was sent
      and event_id is not null and broadcast_id is not null and message_id is not null
      and contact_id is not null and channel is not null
),

openings as (
    select service_id as item_id, opened_at as happened_at, module as kind
    from services
    where tenant_id = ?
      and dt between ? and ?
      and opened_at >= from_iso8601_timestamp(?)
      and opened_at < from_iso8601_timestamp(?)
      and module in ('SALES', 'SUPPORT')
      and service_id is not null and contact_id is not null and channel is not null
),

daily as (
    select item_id, kind, cast(at_timezone(happened_at, ?) as date) as local_date
    from (
        select item_id, happened_at, kind from sends
        union all
        select item_id, happened_at, kind from openings
    ) as items
)

select
    cast(local_date as varchar) as local_date,
    count(distinct case when kind = 'BROADCAST' then item_id end) as broadcasts,
    count(distinct case when kind = 'SALES' then item_id end) as sales_services,
    count(distinct case when kind = 'SUPPORT' then item_id end) as support_services
from daily
group by local_date
order by local_date
