-- contactsInSales and contactsInSupport (metrics.md 3, 4): contacts with a service of the module
-- opened in the period (value) and in the previous period (previous).
-- params: period_start_at, tenant_id, previous_dt_from, dt_to, previous_start_at, period_end_at
with bounds as (
    select from_iso8601_timestamp(?) as period_start_at
),

opened_services as (
    select contact_id, module, opened_at
    from services
    where tenant_id = ?
      and dt between ? and ?  -- local days span the neighbouring UTC dates
      and opened_at >= from_iso8601_timestamp(?)
      and opened_at < from_iso8601_timestamp(?)
      and module in ('SALES', 'SUPPORT')
      and service_id is not null and contact_id is not null and channel is not null
)

select
    count(distinct case when s.module = 'SALES' and s.opened_at >= b.period_start_at then s.contact_id end) as sales_value,
    count(distinct case when s.module = 'SALES' and s.opened_at < b.period_start_at then s.contact_id end) as sales_previous,
    count(distinct case when s.module = 'SUPPORT' and s.opened_at >= b.period_start_at then s.contact_id end) as support_value,
    count(distinct case when s.module = 'SUPPORT' and s.opened_at < b.period_start_at then s.contact_id end) as support_previous
from opened_services as s
cross join bounds as b
