-- dailyVolume and serviceDistribution (metrics.md 9, 10): per local date of the period, the messages with a
-- SENT-status event and the SALES and SUPPORT services opened that day; and the services of each module opened in
-- the period, each once even when its rows fall on several days.
--
-- Rows: one per local date with activity (local_date set), and the whole period (local_date null). Reads only the
-- period's partitions. A row missing a required column counts nowhere (contact_activity counts it as skipped).
-- params: tenant_id, period_dt_from, dt_to, tenant_id, period_dt_from, dt_to, timezone, period_start_at, period_end_at
with
-- kind: M a message's SENT event, S a SALES service opened, P a SUPPORT service opened
items as (
    select
        'M' as kind,
        broadcast_id as item_id,
        message_id as item_part,
        occurred_at as item_at
    from broadcast_events
    where tenant_id = ?
      and dt between ? and ?  -- local days span the neighbouring UTC dates
      and status = 'SENT'
      and event_id is not null and broadcast_id is not null and message_id is not null and contact_id is not null
      and channel is not null and occurred_at is not null

    union all

    select
        case when module = 'SALES' then 'S' else 'P' end as kind,
        service_id as item_id,
        cast(null as varchar) as item_part,
        opened_at as item_at
    from services
    where tenant_id = ?
      and dt between ? and ?
      and module in ('SALES', 'SUPPORT')
      and service_id is not null and contact_id is not null and channel is not null and opened_at is not null
),

-- each item once per local date of the period (the zone and instants are placeholders here, not columns of a joined
-- bounds row: DuckDB then converts each row's time with a constant zone, about four times faster)
dated as (
    select distinct
        cast(at_timezone(item_at, ?) as date) as local_date,
        kind,
        item_id,
        item_part
    from items
    where item_at >= from_iso8601_timestamp(?)
      and item_at < from_iso8601_timestamp(?)
)

select
    cast(local_date as varchar) as local_date,
    count(case when kind = 'M' then 1 end) as sent_messages,
    count(distinct case when kind = 'S' then item_id end) as sales_services,
    count(distinct case when kind = 'P' then item_id end) as support_services
from dated
group by grouping sets ((local_date), ())
