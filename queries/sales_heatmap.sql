-- salesHeatmap (metrics.md 11): inbound messages of SALES services sent in the period, by local ISO weekday
-- (1 = Monday) and hour; and the data quality of service_messages, from ONE read of the period's partitions.
--
-- Rows: one per cell with messages (weekday and hour set), and the partitions read (weekday null: rows read,
-- skipped because a required column is missing, and with an unknown module or direction).
-- params: timezone, period_start_at, period_end_at, tenant_id, period_dt_from, dt_to
with bounds as (
    select
        ? as timezone,
        from_iso8601_timestamp(?) as period_start_at,
        from_iso8601_timestamp(?) as period_end_at
),

messages as (
    select
        m.message_id,
        m.message_id is null or m.service_id is null or m.contact_id is null or m.module is null
            or m.direction is null or m.sent_at is null as skipped,
        case when m.module not in ('SALES', 'SUPPORT') or m.direction not in ('IN', 'OUT') then 1 else 0 end as unknown,
        -- local time of an inbound SALES message sent in the period, of no other
        case
            when m.module = 'SALES' and m.direction = 'IN' and m.sent_at >= b.period_start_at and m.sent_at < b.period_end_at
                and m.message_id is not null and m.service_id is not null and m.contact_id is not null
            then at_timezone(m.sent_at, b.timezone)
        end as local_at
    from service_messages as m
    cross join bounds as b
    where m.tenant_id = ?
      and m.dt between ? and ?  -- local days span the neighbouring UTC dates
),

-- one row per inbound SALES message of the period and local hour, and per class of the other rows
cells as (
    select
        day_of_week(local_at) as weekday,
        hour(local_at) as hour,
        case when local_at is not null then message_id end as message_id,
        count(*) as rows_read,
        count(case when skipped then 1 end) as rows_skipped,
        sum(unknown) as unknown_values
    from messages
    group by day_of_week(local_at), hour(local_at), case when local_at is not null then message_id end
)

select
    weekday,
    hour,
    count(message_id) as messages,
    sum(rows_read) as rows_read,
    sum(rows_skipped) as rows_skipped,
    sum(unknown_values) as unknown_values
from cells
group by grouping sets ((weekday, hour), ())
having grouping(weekday) = 1 or weekday is not null
