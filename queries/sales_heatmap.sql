-- salesHeatmap (metrics.md 11): inbound messages of SALES services sent in the period,
-- by local ISO weekday (1 = Monday) and hour.
-- params: timezone, tenant_id, period_dt_from, dt_to, period_start_at, period_end_at
with bounds as (
    select ? as timezone
),

inbound_sales as (
    select message_id, sent_at
    from service_messages
    where tenant_id = ?
      and dt between ? and ?  -- local days span the neighbouring UTC dates
      and sent_at >= from_iso8601_timestamp(?)
      and sent_at < from_iso8601_timestamp(?)
      and module = 'SALES'
      and direction = 'IN'
      and message_id is not null and service_id is not null and contact_id is not null
),

local_times as (
    select m.message_id, at_timezone(m.sent_at, b.timezone) as local_at
    from inbound_sales as m
    cross join bounds as b
)

select
    day_of_week(local_at) as weekday,
    hour(local_at) as hour,
    count(distinct message_id) as messages
from local_times
group by day_of_week(local_at), hour(local_at)
