-- Trino functions the shared queries use that DuckDB lacks or defines differently.
-- Macros in `main` take precedence over built-ins of the same name.

-- Trino: ISO-8601 text with Z or an offset -> timestamp with time zone.
create or replace macro from_iso8601_timestamp(text) as cast(text as timestamptz);

-- Trino returns the same instant in another zone, whose date/hour/day_of_week are local;
-- DuckDB's timezone() returns that local wall-clock time, which answers the same questions.
create or replace macro at_timezone(ts, zone) as timezone(zone, ts);

-- Trino: partial match, like DuckDB's regexp_matches.
create or replace macro regexp_like(text, pattern) as regexp_matches(text, pattern);

-- Trino: ISO weekday, Monday = 1 ... Sunday = 7.
create or replace macro day_of_week(ts) as isodow(ts);

-- Trino: bitwise OR of the group's non-null values (null when there are none), like DuckDB's bit_or.
create or replace macro bitwise_or_agg(x) as bit_or(x);

-- Trino: bitwise AND of two integers, DuckDB's & operator.
create or replace macro bitwise_and(x, y) as (x & y);
