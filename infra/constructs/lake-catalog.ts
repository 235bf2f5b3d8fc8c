import { Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { LAKE_SCHEMA } from '../../src/core/lake-schema.ts';
import { TABLES, type TableName } from '../../src/core/report.types.ts';
import type { TableFormat } from '../config.ts';
import type { SecureBucket } from './secure-bucket.ts';

export interface LakeCatalogProps {
  bucket: SecureBucket;
  /** Key prefix of the lake inside the bucket: '' or ending with '/'. */
  prefix: string;
  databaseName: string;
  tableFormats: Record<TableName, TableFormat>;
}

/** The first day partition projection offers; no lake data is older. */
export const FIRST_PARTITION_DATE = '2020-01-01';

interface StorageFormat {
  classification: string;
  inputFormat: string;
  outputFormat: string;
  serdeInfo: glue.CfnTable.SerdeInfoProperty;
}

const STORAGE_FORMATS: Record<TableFormat, StorageFormat> = {
  parquet: {
    classification: 'parquet',
    inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
    outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
    serdeInfo: {
      serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
      parameters: { 'serialization.format': '1' },
    },
  },
  // NDJSON as a delivery stream lands it (gzip is recognised by the .gz extension); a bad line is skipped, not fatal.
  json: {
    classification: 'json',
    inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
    outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
    serdeInfo: {
      serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
      parameters: { 'ignore.malformed.json': 'true', 'case.insensitive': 'true' },
    },
  },
};

/**
 * The Glue database and the four tables of the data contract over `<lake>/<prefix><table>/tenant_id=…/dt=…/`.
 * Partitions are projected (injected tenant, daily dt), so nothing has to register partitions and
 * every query must name its tenant.
 */
export class LakeCatalog extends Construct {
  readonly databaseName: string;
  readonly tables: Record<TableName, glue.CfnTable>;
  private readonly bucket: SecureBucket;
  private readonly prefix: string;

  constructor(scope: Construct, id: string, props: LakeCatalogProps) {
    super(scope, id);
    this.bucket = props.bucket;
    this.prefix = props.prefix;
    this.databaseName = props.databaseName;
    const catalogId = Stack.of(this).account;
    const database = new glue.CfnDatabase(this, 'Database', {
      catalogId,
      databaseInput: {
        name: props.databaseName,
        description: 'Interaction lake read by the Contact Behavior reports (see spec/data-contract.md)',
      },
    });
    const root = `s3://${props.bucket.bucketName}/${props.prefix}`;
    this.tables = Object.fromEntries(
      TABLES.map((table) => {
        const format = STORAGE_FORMATS[props.tableFormats[table]];
        const cfn = new glue.CfnTable(this, `Table-${table}`, {
          catalogId,
          databaseName: props.databaseName,
          tableInput: {
            name: table,
            tableType: 'EXTERNAL_TABLE',
            parameters: {
              EXTERNAL: 'TRUE',
              classification: format.classification,
              'projection.enabled': 'true',
              'projection.tenant_id.type': 'injected',
              'projection.dt.type': 'date',
              'projection.dt.format': 'yyyy-MM-dd',
              'projection.dt.range': `${FIRST_PARTITION_DATE},NOW`,
              'projection.dt.interval': '1',
              'projection.dt.interval.unit': 'DAYS',
              'storage.location.template': `${root}${table}/tenant_id=\${tenant_id}/dt=\${dt}`,
            },
            partitionKeys: [
              { name: 'tenant_id', type: 'string' },
              { name: 'dt', type: 'string', comment: 'UTC date of the event (yyyy-MM-dd)' },
            ],
            storageDescriptor: {
              location: `${root}${table}/`,
              columns: LAKE_SCHEMA[table].map((c) => ({ name: c.name, type: c.type })),
              inputFormat: format.inputFormat,
              outputFormat: format.outputFormat,
              serdeInfo: format.serdeInfo,
              compressed: false,
              storedAsSubDirectories: false,
            },
          },
        });
        cfn.addResourceDependency(database);
        return [table, cfn];
      }),
    ) as Record<TableName, glue.CfnTable>;
  }

  /** The catalog, database and table ARNs a reader of this lake needs. */
  get resourceArns(): string[] {
    const stack = Stack.of(this);
    const arn = (resource: string, resourceName?: string) =>
      stack.formatArn({ service: 'glue', resource, resourceName });
    return [
      arn('catalog'),
      arn('database', this.databaseName),
      ...TABLES.map((table) => arn('table', `${this.databaseName}/${table}`)),
    ];
  }

  /** Read access for a query engine: Glue metadata of these tables and the lake objects under the prefix. */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartitions'],
      resourceArns: this.resourceArns,
    });
    this.bucket.grantObjectAccess(grantee, { read: true, prefix: this.prefix });
    return grant;
  }
}
