import { DuckDBInstance, DuckDBDataChunk, VARCHAR, DOUBLE } from '@duckdb/node-api';
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
await con.run(`create table t(event_id varchar, broadcast_id varchar, message_id varchar, contact_id varchar, channel varchar, status varchar, occurred_at double)`);
const N = 1_000_000;
let t0 = performance.now();
const a = await con.createAppender('t');
const types = [VARCHAR, VARCHAR, VARCHAR, VARCHAR, VARCHAR, VARCHAR, DOUBLE];
const C = 2048;
const cols: any[][] = types.map(() => new Array(C));
let n = 0;
for (let i = 0; i < N; i++) {
  cols[0]![n] = 'e-' + i; cols[1]![n] = 'b-0001'; cols[2]![n] = 'm-' + (i>>2); cols[3]![n] = 'c-' + (i % 10000).toString().padStart(6,'0');
  cols[4]![n] = 'WHATSAPP'; cols[5]![n] = 'DELIVERED'; cols[6]![n] = 1.7e12 + i*1000; n++;
  if (n === C) { const ch = DuckDBDataChunk.create(types, C); ch.setColumns(cols); a.appendDataChunk(ch); n = 0; }
}
a.closeSync();
console.log('chunk appender', performance.now() - t0);
console.log((await con.runAndReadAll('select count(*) from t')).getRows());
