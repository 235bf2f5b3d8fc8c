-- What contacts did (metrics.md 2-7, 9, 10) and the data quality of broadcast_events and services, from ONE read of
-- each table (and the period's services once more, for the journey funnel's SALES stage): reachedContacts,
-- contactsInSales, contactsInSupport (period and previous period), messageFunnel, journeyFunnel, contactsByMonth,
-- dailyVolume and serviceDistribution.
--
-- Rows: the period summary (local_date null) and one row per local date of the period with activity (local_date
-- set: sent_messages, sales_services and support_services of that day).
--
-- How: every row of both tables gets bits saying where it counts for its contact (stage, month, period). One GROUP BY
-- ORs them per contact and, in its second grouping set, keeps each daily item once (a message sent or a service
-- opened, per local date) and counts the other rows per class. Months and periods are instant ranges computed once
-- from the time zone (DST included), so only the daily items' times are converted. Reading the daily items in a
-- query of their own was 0.5 s faster on DuckDB at scale 1, but read the period's partitions twice (1.24 x the
-- bytes needed instead of 1.02 x), and bytes are what Athena bills.
--
-- Contact bits:
--   1, 2, 4, 8, 16, 32       reached in month 1 .. 6 (DELIVERED stage)
--   64 / 128                 reached in the previous period / in the period
--   256, 512, 1024, 2048     in the period: SENT stage, READ stage, CLICKED, REPLIED
--   4096 x month bit         a SALES service opened in month 1 .. 6
--   262144 / 524288          a SALES service opened in the period / in the previous period
--   1048576 x month bit      a SUPPORT service opened in month 1 .. 6
--   67108864 / 134217728     a SUPPORT service opened in the period / in the previous period
--
-- params: tenant_id, first_dt, dt_to, tenant_id, first_dt, dt_to, months_start_at, period_end_at, month_2_start_at, month_3_start_at, month_4_start_at, month_5_start_at, month_6_start_at, previous_start_at, period_end_at, period_start_at, timezone, attribution_hours, tenant_id, period_dt_from, dt_to, period_start_at, period_end_at
with
-- kind: broadcast events 1 SENT, 2 NOT_DELIVERED, 3 DELIVERED, 4 READ, 5 CLICKED, 6 REPLIED, 7 REJECTED,
-- 8 another status, 9 no status; services 11 SALES, 12 SUPPORT, 18 another module, 19 no module.
-- skipped: a required column is missing (or was unparseable); such a row counts nowhere but in the data quality.
activity as (
    select
        contact_id,
        occurred_at as active_at,
        case
            when status is null then 9
            when status = 'SENT' then 1
            when status = 'NOT_DELIVERED' then 2
            when status = 'DELIVERED' then 3
            when status = 'READ' then 4
            when status = 'CLICKED' then 5
            when status = 'REPLIED' then 6
            when status = 'REJECTED' then 7
            else 8
        end as kind,
        event_id is null or broadcast_id is null or message_id is null or contact_id is null
            or channel is null or status is null or occurred_at is null as skipped,
        broadcast_id as item_id,
        message_id as item_part
    from broadcast_events
    where tenant_id = ?
      and dt between ? and ?  -- the months and both periods; local days span the neighbouring UTC dates

    union all

    select
        contact_id,
        opened_at as active_at,
        case when module is null then 19 when module = 'SALES' then 11 when module = 'SUPPORT' then 12 else 18 end as kind,
        service_id is null or contact_id is null or module is null or channel is null or opened_at is null as skipped,
        service_id as item_id,
        cast(null as varchar) as item_part
    from services
    where tenant_id = ?
      and dt between ? and ?
),

-- month_bit: 1, 2, 4, 8, 16 or 32 for local month 1 .. 6 (the last one cut at the period's end), else 0;
-- span: 2 in the period, 1 in the previous period, else 0.
placed as (
    select
        contact_id,
        active_at,
        kind,
        skipped,
        item_id,
        item_part,
        case
            when skipped or active_at < from_iso8601_timestamp(?) or active_at >= from_iso8601_timestamp(?) then 0
            when active_at < from_iso8601_timestamp(?) then 1
            when active_at < from_iso8601_timestamp(?) then 2
            when active_at < from_iso8601_timestamp(?) then 4
            when active_at < from_iso8601_timestamp(?) then 8
            when active_at < from_iso8601_timestamp(?) then 16
            else 32
        end as month_bit,
        case
            when skipped or active_at < from_iso8601_timestamp(?) or active_at >= from_iso8601_timestamp(?) then 0
            when active_at < from_iso8601_timestamp(?) then 1
            else 2
        end as span
    from activity
),

flagged as (
    select
        contact_id,
        active_at,
        kind,
        skipped,
        item_id,
        item_part,
        span,
        case
            -- the DELIVERED stage (DELIVERED, READ, CLICKED, REPLIED) reaches the contact and implies SENT
            when kind between 3 and 6 then month_bit
                + case span when 1 then 64 when 2 then 128 + 256 else 0 end
                + case when span = 2 and kind >= 4 then 512 else 0 end  -- the READ stage
                + case when span = 2 and kind = 5 then 1024 else 0 end
                + case when span = 2 and kind = 6 then 2048 else 0 end
            when kind between 1 and 2 and span = 2 then 256  -- SENT, NOT_DELIVERED: the SENT stage only
            when kind = 11 then month_bit * 4096 + case span when 2 then 262144 when 1 then 524288 else 0 end
            when kind = 12 then month_bit * 1048576 + case span when 2 then 67108864 when 1 then 134217728 else 0 end
            else 0
        end as bits,
        -- a daily item: a message's SENT event or a SALES or SUPPORT opening, in the period
        span = 2 and kind in (1, 11, 12) as daily
    from placed
),

keyed as (
    select
        case when bits > 0 then contact_id end as contact_key,
        bits,
        case when span = 2 and kind between 3 and 6 then active_at end as reach_at,
        -- the zone is a bound constant, not a joined row's column: DuckDB converts with one zone for all rows
        case when daily then cast(at_timezone(active_at, ?) as date) end as local_date,
        -- a daily item's kind; any other row by class: 100 + kind when read, 200 + kind when skipped
        case when daily then kind when skipped then 200 + kind else 100 + kind end as item_kind,
        case when daily then item_id end as item_id,
        case when daily then item_part end as item_part
    from flagged
),

-- One row per contact whose rows count somewhere (bits > 0; contact_key null: the rows that count for no contact),
-- and one per daily item (the same id on the same local date once) and per class of the other rows.
grouped as (
    select
        grouping(contact_key) as is_item,
        contact_key,
        local_date,
        item_kind,
        item_id,
        bitwise_or_agg(bits) as bits,
        min(reach_at) as first_reach_at,
        count(*) as row_count
    from keyed
    group by grouping sets ((contact_key), (local_date, item_kind, item_id, item_part))
),

-- journeyFunnel SALES: a SALES service opened at or after the contact's first reach of the period and less than
-- attributionDays x 24 hours after it (before the period's end, as always).
sales_openings as (
    select
        contact_id,
        opened_at,
        opened_at - interval '1' hour * cast(? as bigint) as reached_after
    from services
    where tenant_id = ?
      and dt between ? and ?
      and opened_at >= from_iso8601_timestamp(?)
      and opened_at < from_iso8601_timestamp(?)
      and module = 'SALES'
      and service_id is not null and contact_id is not null and channel is not null
),

marked as (
    select
        g.is_item,
        g.local_date,
        g.item_kind,
        -- a service's id, to count each service once over the period even when it has rows on several days
        case when g.is_item = 1 and g.item_kind in (11, 12) then g.item_id end as service_id,
        case when g.is_item = 0 and g.contact_key is not null then g.bits else 0 end as bits,
        case
            when g.is_item = 0 and g.first_reach_at is not null and exists (
                select 1
                from sales_openings as s
                where s.contact_id = g.contact_key
                  and s.opened_at >= g.first_reach_at
                  and s.reached_after < g.first_reach_at
            ) then 1
            else 0
        end as attributed,
        case when g.is_item = 1 then g.row_count else 0 end as row_count
    from grouped as g
),

-- contacts with the same bits are counted together; daily items stay one row per service
patterns as (
    select
        local_date,
        item_kind,
        service_id,
        bits,
        attributed,
        count(*) as n,
        sum(row_count) as row_count
    from marked
    group by local_date, item_kind, service_id, bits, attributed
)

select
    cast(local_date as varchar) as local_date,
    sum(case when bitwise_and(bits, 128) > 0 then n else 0 end) as reached_contacts,
    sum(case when bitwise_and(bits, 64) > 0 then n else 0 end) as reached_previous,
    sum(case when bitwise_and(bits, 256) > 0 then n else 0 end) as sent_contacts,
    sum(case when bitwise_and(bits, 128) > 0 then n else 0 end) as delivered_contacts,
    sum(case when bitwise_and(bits, 512) > 0 then n else 0 end) as read_contacts,
    sum(case when bitwise_and(bits, 1024) > 0 then n else 0 end) as clicked_contacts,
    sum(case when bitwise_and(bits, 2048) > 0 then n else 0 end) as replied_contacts,
    sum(attributed * n) as journey_sales,
    sum(case when bitwise_and(bits, 262144) > 0 then n else 0 end) as sales_contacts,
    sum(case when bitwise_and(bits, 524288) > 0 then n else 0 end) as sales_previous,
    sum(case when bitwise_and(bits, 67108864) > 0 then n else 0 end) as support_contacts,
    sum(case when bitwise_and(bits, 134217728) > 0 then n else 0 end) as support_previous,
    sum(case when bitwise_and(bits, 1) > 0 then n else 0 end) as month_1_broadcast,
    sum(case when bitwise_and(bits, 1 * 4096) > 0 then n else 0 end) as month_1_sales,
    sum(case when bitwise_and(bits, 1 * 1048576) > 0 then n else 0 end) as month_1_support,
    sum(case when bitwise_and(bits, 1 * (1 + 4096 + 1048576)) > 0 then n else 0 end) as month_1_total,
    sum(case when bitwise_and(bits, 2) > 0 then n else 0 end) as month_2_broadcast,
    sum(case when bitwise_and(bits, 2 * 4096) > 0 then n else 0 end) as month_2_sales,
    sum(case when bitwise_and(bits, 2 * 1048576) > 0 then n else 0 end) as month_2_support,
    sum(case when bitwise_and(bits, 2 * (1 + 4096 + 1048576)) > 0 then n else 0 end) as month_2_total,
    sum(case when bitwise_and(bits, 4) > 0 then n else 0 end) as month_3_broadcast,
    sum(case when bitwise_and(bits, 4 * 4096) > 0 then n else 0 end) as month_3_sales,
    sum(case when bitwise_and(bits, 4 * 1048576) > 0 then n else 0 end) as month_3_support,
    sum(case when bitwise_and(bits, 4 * (1 + 4096 + 1048576)) > 0 then n else 0 end) as month_3_total,
    sum(case when bitwise_and(bits, 8) > 0 then n else 0 end) as month_4_broadcast,
    sum(case when bitwise_and(bits, 8 * 4096) > 0 then n else 0 end) as month_4_sales,
    sum(case when bitwise_and(bits, 8 * 1048576) > 0 then n else 0 end) as month_4_support,
    sum(case when bitwise_and(bits, 8 * (1 + 4096 + 1048576)) > 0 then n else 0 end) as month_4_total,
    sum(case when bitwise_and(bits, 16) > 0 then n else 0 end) as month_5_broadcast,
    sum(case when bitwise_and(bits, 16 * 4096) > 0 then n else 0 end) as month_5_sales,
    sum(case when bitwise_and(bits, 16 * 1048576) > 0 then n else 0 end) as month_5_support,
    sum(case when bitwise_and(bits, 16 * (1 + 4096 + 1048576)) > 0 then n else 0 end) as month_5_total,
    sum(case when bitwise_and(bits, 32) > 0 then n else 0 end) as month_6_broadcast,
    sum(case when bitwise_and(bits, 32 * 4096) > 0 then n else 0 end) as month_6_sales,
    sum(case when bitwise_and(bits, 32 * 1048576) > 0 then n else 0 end) as month_6_support,
    sum(case when bitwise_and(bits, 32 * (1 + 4096 + 1048576)) > 0 then n else 0 end) as month_6_total,
    -- per day: items (distinct ids) of that day; the summary row counts each service once over the whole period
    sum(case when item_kind = 1 then n else 0 end) as sent_messages,
    count(distinct case when item_kind = 11 then service_id end) as sales_services,
    count(distinct case when item_kind = 12 then service_id end) as support_services,
    -- data quality: the rows of each class (daily items are rows read, neither skipped nor unknown)
    sum(case when item_kind = 1 or item_kind between 101 and 109 or item_kind between 201 and 209 then row_count else 0 end) as broadcast_rows,
    sum(case when item_kind between 201 and 209 then row_count else 0 end) as broadcast_skipped,
    sum(case when item_kind in (108, 208) then row_count else 0 end) as broadcast_unknown,
    sum(case when item_kind in (11, 12) or item_kind between 111 and 119 or item_kind between 211 and 219 then row_count else 0 end) as service_rows,
    sum(case when item_kind between 211 and 219 then row_count else 0 end) as service_skipped,
    sum(case when item_kind in (118, 218) then row_count else 0 end) as service_unknown
from patterns
group by grouping sets ((local_date), ())
having grouping(local_date) = 1 or local_date is not null
