import { DuckDBInstance } from '@duckdb/node-api';
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
await con.run(`create table u(event_id double, broadcast_id integer, message_id double, contact_id integer, channel utinyint, status utinyint, occurred_at double)`);
const N = 1_000_000;
let t0 = performance.now();
const b = await con.createAppender('u');
for (let i = 0; i < N; i++) {
  b.appendDouble(i); b.appendInteger(1); b.appendDouble(i>>2); b.appendInteger(i % 10000);
  b.appendUTinyInt(1); b.appendUTinyInt(2); b.appendDouble(1.7e12 + i*1000); b.endRow();
}
b.closeSync();
console.log('numeric appender', performance.now() - t0);
await con.run(`SET TimeZone='UTC'`);
t0 = performance.now();
await con.run(`copy (select printf('ev-%09d', event_id::bigint) event_id, printf('b-%05d', broadcast_id) broadcast_id, printf('m-%08d', message_id::bigint) message_id, printf('c-%06d', contact_id) contact_id, ['WHATSAPP','SMS','EMAIL'][channel] channel, ['SENT','DELIVERED','READ'][status] status, epoch_ms(occurred_at::bigint)::timestamptz as occurred_at, strftime(epoch_ms(occurred_at::bigint),'%Y-%m-%d') as dt, 'acme' as tenant_id from u) to '/tmp/bench/out2' (format parquet, partition_by (tenant_id, dt), overwrite_or_ignore)`);
console.log('copy', performance.now() - t0);
console.log(process.memoryUsage().rss/1e6);
