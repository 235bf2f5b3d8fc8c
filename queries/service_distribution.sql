-- serviceDistribution (metrics.md 10): SALES and SUPPORT services opened in the period.
-- params: tenant_id, period_dt_from, dt_to, period_start_at, period_end_at
with opened_services as (
    select service_id, module
    from services
    where tenant_id = ?
      and dt between ? and ?  -- local days span the neighbouring UTC dates
      and opened_at >= from_iso8601_timestamp(?)
      and opened_at < from_iso8601_timestamp(?)
      and service_id is not null and contact_id is not null and channel is not null
)

select
    count(distinct case when module = 'SALES' then service_id end) as sales,
    count(distinct case when module = 'SUPPORT' then service_id end) as support
from opened_services
