import { DuckDBInstance } from '@duckdb/node-api';
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
await con.run(`create table t(event_id varchar, broadcast_id varchar, message_id varchar, contact_id varchar, channel varchar, status varchar, occurred_at double)`);
await con.run(`create table u(event_id bigint, broadcast_id integer, message_id bigint, contact_id integer, channel utinyint, status utinyint, occurred_at double)`);
const N = 1_000_000;
let t0 = performance.now();
const a = await con.createAppender('t');
for (let i = 0; i < N; i++) {
  a.appendVarchar('e-' + i); a.appendVarchar('b-0001'); a.appendVarchar('m-' + (i>>2)); a.appendVarchar('c-' + (i % 10000).toString().padStart(6,'0'));
  a.appendVarchar('WHATSAPP'); a.appendVarchar('DELIVERED'); a.appendDouble(1.7e12 + i*1000); a.endRow();
}
a.closeSync();
console.log('varchar appender', performance.now() - t0);
t0 = performance.now();
const b = await con.createAppender('u');
for (let i = 0; i < N; i++) {
  b.appendBigInt(BigInt(i)); b.appendInteger(1); b.appendBigInt(BigInt(i>>2)); b.appendInteger(i % 10000);
  b.appendUTinyInt(1); b.appendUTinyInt(2); b.appendDouble(1.7e12 + i*1000); b.endRow();
}
b.closeSync();
console.log('numeric appender', performance.now() - t0);
t0 = performance.now();
await con.run(`SET TimeZone='UTC'`);
await con.run(`copy (select * exclude(occurred_at), epoch_ms(occurred_at::bigint)::timestamptz as occurred_at, strftime(epoch_ms(occurred_at::bigint),'%Y-%m-%d') as dt, 'acme' as tenant_id from t) to '/tmp/bench/out' (format parquet, partition_by (tenant_id, dt), overwrite_or_ignore)`);
console.log('copy', performance.now() - t0);
console.log(process.memoryUsage().rss/1e6);
