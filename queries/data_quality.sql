-- dataQuality (data-contract.md): rows read from the partitions the report needs, rows skipped because a
-- required column is missing or unparseable (engines read such values as null), and unknown values.
-- params: tenant_id, snapshot_dt, tenant_id, first_dt, dt_to, tenant_id, first_dt, dt_to, tenant_id, first_dt, dt_to
select
    'contacts' as table_name,
    count(*) as rows_read,
    coalesce(sum(case when contact_id is null or created_at is null then 1 else 0 end), 0) as rows_skipped,
    0 as unknown_values
from contacts
where tenant_id = ? and dt = ?

union all

select
    'broadcast_events' as table_name,
    count(*) as rows_read,
    coalesce(sum(case
        when event_id is null or broadcast_id is null or message_id is null or contact_id is null
            or channel is null or status is null or occurred_at is null then 1
        else 0
    end), 0) as rows_skipped,
    coalesce(sum(case
        when status not in ('SENT', 'DELIVERED', 'NOT_DELIVERED', 'REJECTED', 'READ', 'CLICKED', 'REPLIED') then 1
        else 0
    end), 0) as unknown_values
from broadcast_events
where tenant_id = ? and dt between ? and ?

union all

select
    'services' as table_name,
    count(*) as rows_read,
    coalesce(sum(case
        when service_id is null or contact_id is null or module is null or channel is null or opened_at is null then 1
        else 0
    end), 0) as rows_skipped,
    coalesce(sum(case when module not in ('SALES', 'SUPPORT') then 1 else 0 end), 0) as unknown_values
from services
where tenant_id = ? and dt between ? and ?

union all

select
    'service_messages' as table_name,
    count(*) as rows_read,
    coalesce(sum(case
        when message_id is null or service_id is null or contact_id is null or module is null
            or direction is null or sent_at is null then 1
        else 0
    end), 0) as rows_skipped,
    coalesce(sum(case
        when module not in ('SALES', 'SUPPORT') or direction not in ('IN', 'OUT') then 1
        else 0
    end), 0) as unknown_values
from service_messages
where tenant_id = ? and dt between ? and ?
