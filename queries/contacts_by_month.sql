-- contactsByMonth (metrics.md 7): per local calendar month of the six ending with the period's end
-- month, contacts reached, contacts with a SALES or SUPPORT service opened, and contacts in any of them.
-- params: tenant_id, months_dt_from, dt_to, months_start_at, period_end_at, tenant_id, months_dt_from, dt_to, months_start_at, period_end_at, timezone
with reached as (
    select contact_id, occurred_at as active_at, 'BROADCAST' as activity
    from broadcast_events
    where tenant_id = ?
      and dt between ? and ?  -- local days span the neighbouring UTC dates
      and occurred_at >= from_iso8601_timestamp(?)
      and occurred_at < from_iso8601_timestamp(?)  -- the last month is cut at the period's end
      and status in ('DELIVERED', 'READ', 'CLICKED', 'REPLIED')
      and event_id is not null and broadcast_id is not null and message_id is not null
      and contact_id is not null and channel is not null
),

serviced as (
    select contact_id, opened_at as active_at, module as activity
    from services
    where tenant_id = ?
      and dt between ? and ?
      and opened_at >= from_iso8601_timestamp(?)
      and opened_at < from_iso8601_timestamp(?)
      and module in ('SALES', 'SUPPORT')
      and service_id is not null and contact_id is not null and channel is not null
),

activity as (
    select contact_id, active_at, activity from reached
    union all
    select contact_id, active_at, activity from serviced
),

monthly as (
    select
        contact_id,
        activity,
        substr(cast(cast(date_trunc('month', at_timezone(active_at, ?)) as date) as varchar), 1, 7) as month
    from activity
)

select
    month,
    count(distinct case when activity = 'BROADCAST' then contact_id end) as broadcast,
    count(distinct case when activity = 'SALES' then contact_id end) as sales,
    count(distinct case when activity = 'SUPPORT' then contact_id end) as support,
    count(distinct contact_id) as total
from monthly
group by month
order by month
