-- contactBase and contactsByState (metrics.md 1, 8), and the data quality of contacts, from ONE read of the
-- tenant's newest snapshot (it keeps created_at/deleted_at, so it answers any instant).
--
-- Rows: one per state of the contacts in the base at the period's end (state set: value = its contacts), and the
-- whole snapshot (state null: value at the period's end, previous at its start, rows read and skipped).
-- A phone's state is the Brazilian state (UF) of its area code (DDD); another country code is FOREIGN,
-- anything else UNKNOWN.
-- params: period_end_at, period_start_at, tenant_id, snapshot_dt
with bounds as (
    select
        from_iso8601_timestamp(?) as value_at,
        from_iso8601_timestamp(?) as previous_at
),

snapshot as (
    select
        s.contact_id,
        s.phone,
        s.contact_id is null or s.created_at is null as skipped,
        s.contact_id is not null and s.created_at < b.value_at
            and (s.deleted_at is null or s.deleted_at >= b.value_at) as in_base,
        s.contact_id is not null and s.created_at < b.previous_at
            and (s.deleted_at is null or s.deleted_at >= b.previous_at) as in_previous_base
    from contacts as s
    cross join bounds as b
    where s.tenant_id = ?
      and s.dt = ?  -- the newest snapshot
),

normalized as (
    select
        contact_id,
        skipped,
        coalesce(in_base, false) as in_base,
        coalesce(in_previous_base, false) as in_previous_base,
        -- only the base at the period's end is classified
        case when in_base then
            replace(replace(replace(replace(replace(phone, ' ', ''), '-', ''), '(', ''), ')', ''), '.', '')
        end as digits
    from snapshot
),

classified as (
    select
        contact_id,
        skipped,
        in_base,
        in_previous_base,
        case
            when regexp_like(digits, '^\+55[0-9]{10,11}$') then substr(digits, 4, 2)
            when regexp_like(digits, '^55[0-9]{10,11}$') then substr(digits, 3, 2)  -- 12 or 13 digits: +55 without the +
            when regexp_like(digits, '^[0-9]{10,11}$') then substr(digits, 1, 2)  -- a national number
        end as ddd,
        coalesce(regexp_like(digits, '^\+[0-9]+$') and not regexp_like(digits, '^\+55'), false) as is_foreign
    from normalized
),

area_codes (ddd, state) as (
    values
        ('11', 'SP'), ('12', 'SP'), ('13', 'SP'), ('14', 'SP'), ('15', 'SP'), ('16', 'SP'), ('17', 'SP'),
        ('18', 'SP'), ('19', 'SP'), ('21', 'RJ'), ('22', 'RJ'), ('24', 'RJ'), ('27', 'ES'), ('28', 'ES'),
        ('31', 'MG'), ('32', 'MG'), ('33', 'MG'), ('34', 'MG'), ('35', 'MG'), ('37', 'MG'), ('38', 'MG'),
        ('41', 'PR'), ('42', 'PR'), ('43', 'PR'), ('44', 'PR'), ('45', 'PR'), ('46', 'PR'), ('47', 'SC'),
        ('48', 'SC'), ('49', 'SC'), ('51', 'RS'), ('53', 'RS'), ('54', 'RS'), ('55', 'RS'), ('61', 'DF'),
        ('62', 'GO'), ('64', 'GO'), ('63', 'TO'), ('65', 'MT'), ('66', 'MT'), ('67', 'MS'), ('68', 'AC'),
        ('69', 'RO'), ('71', 'BA'), ('73', 'BA'), ('74', 'BA'), ('75', 'BA'), ('77', 'BA'), ('79', 'SE'),
        ('81', 'PE'), ('87', 'PE'), ('82', 'AL'), ('83', 'PB'), ('84', 'RN'), ('85', 'CE'), ('88', 'CE'),
        ('86', 'PI'), ('89', 'PI'), ('91', 'PA'), ('93', 'PA'), ('94', 'PA'), ('92', 'AM'), ('97', 'AM'),
        ('95', 'RR'), ('96', 'AP'), ('98', 'MA'), ('99', 'MA')
),

stated as (
    select
        c.contact_id,
        c.skipped,
        c.in_base,
        c.in_previous_base,
        case when c.in_base then coalesce(a.state, case when c.is_foreign then 'FOREIGN' else 'UNKNOWN' end) end as state
    from classified as c
    left join area_codes as a on a.ddd = c.ddd
),

-- each contact once per state it has in the base (a duplicated contact can have rows with different phones), and
-- once over all its rows (state null)
contact_states as (
    select
        grouping(state) as is_total,
        state,
        max(case when in_base then 1 else 0 end) as in_base,
        max(case when in_previous_base then 1 else 0 end) as in_previous_base,
        count(*) as rows_read,
        count(case when skipped then 1 end) as rows_skipped
    from stated
    group by grouping sets ((contact_id, state), (contact_id))
)

select
    state,
    sum(in_base) as value,
    sum(in_previous_base) as previous,
    sum(rows_read) as rows_read,
    sum(rows_skipped) as rows_skipped
from contact_states
where is_total = 1 or state is not null
group by state
