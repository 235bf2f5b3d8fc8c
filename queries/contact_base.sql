-- contactBase (metrics.md 1): contacts registered before an instant and not deleted by then,
-- from the tenant's newest snapshot, at the period's end (value) and at its start (previous).
-- params: period_end_at, period_start_at, tenant_id, snapshot_dt
with bounds as (
    select
        from_iso8601_timestamp(?) as value_at,
        from_iso8601_timestamp(?) as previous_at
),

snapshot as (
    select contact_id, created_at, deleted_at
    from contacts
    where tenant_id = ?
      and dt = ?  -- the newest snapshot keeps created_at/deleted_at, so it answers any instant
      and contact_id is not null
      and created_at is not null
)

select
    count(distinct case
        when s.created_at < b.value_at and (s.deleted_at is null or s.deleted_at >= b.value_at) then s.contact_id
    end) as value,
    count(distinct case
        when s.created_at < b.previous_at and (s.deleted_at is null or s.deleted_at >= b.previous_at) then s.contact_id
    end) as previous
from snapshot as s
cross join bounds as b
