import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

export interface SecureBucketProps {
  /**
   * The physical name. ARNs in grants are built from it (not from the bucket resource), so a
   * policy in another stack needs no cross-stack output and reads the same in every stack.
   */
  bucketName: string;
  /** SSE-KMS with this key (and an S3 Bucket Key to cut KMS calls); SSE-S3 without one. */
  encryptionKey?: kms.IKey;
  /** Where S3 server access logs go; omit only for the access-log bucket itself. */
  accessLogs?: { bucket: s3.IBucket; prefix: string };
  versioned?: boolean;
  lifecycleRules?: s3.LifecycleRule[];
}

export interface ObjectAccess {
  /** s3:GetObject on the prefix and s3:ListBucket restricted to it. */
  read?: boolean;
  /** s3:PutObject (and multipart clean-up) on the prefix. */
  write?: boolean;
  /** Key prefix the access is limited to; '' is the whole bucket. */
  prefix?: string;
}

/** A private bucket with the defaults every bucket here shares: encrypted, TLS 1.2+ only, no public access, retained. */
export class SecureBucket extends s3.Bucket {
  /** The name as configured (it may hold the account and region pseudo parameters). */
  readonly fixedName: string;
  /** `arn:<partition>:s3:::<fixedName>`. */
  readonly fixedArn: string;

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id, {
      bucketName: props.bucketName,
      encryption: props.encryptionKey ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: props.encryptionKey ? true : undefined,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogs?.bucket,
      serverAccessLogsPrefix: props.accessLogs?.prefix,
      versioned: props.versioned ?? false,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        ...(props.lifecycleRules ?? []),
      ],
    });
    this.fixedName = props.bucketName;
    this.fixedArn = `arn:${Stack.of(this).partition}:s3:::${props.bucketName}`;
  }

  /** The ARN pattern of the objects under a key prefix, e.g. `arn:aws:s3:::bucket/lake/*`. */
  objectsArn(prefix = ''): string {
    return `${this.fixedArn}/${prefix}*`;
  }

  /** s3:DeleteObject on keys matching one pattern (on a versioned bucket this only adds a delete marker). */
  grantDeleteObjects(grantee: iam.IGrantable, keyPattern: string): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:DeleteObject'],
      resourceArns: [`${this.fixedArn}/${keyPattern}`],
    });
  }

  /**
   * Grants exactly the object actions asked for, under one prefix, plus the KMS use they need
   * (only through S3). Narrower than grantRead/grantReadWrite, which add s3:GetObject* wildcards.
   */
  grantObjectAccess(grantee: iam.IGrantable, { read = false, write = false, prefix = '' }: ObjectAccess): iam.Grant {
    const objectActions = [
      ...(read ? ['s3:GetObject'] : []),
      ...(write ? ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'] : []),
    ];
    const bucketActions = ['s3:GetBucketLocation', ...(write ? ['s3:ListBucketMultipartUploads'] : [])];
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: objectActions,
      resourceArns: [this.objectsArn(prefix)],
    });
    iam.Grant.addToPrincipal({ grantee, actions: bucketActions, resourceArns: [this.fixedArn] });
    if (read) {
      grantee.grantPrincipal.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [this.fixedArn],
          conditions: prefix ? { StringLike: { 's3:prefix': [`${prefix}*`] } } : undefined,
        }),
      );
    }
    if (this.encryptionKey) {
      const keyActions = [...(read ? ['kms:Decrypt'] : []), ...(write ? ['kms:GenerateDataKey', 'kms:Decrypt'] : [])];
      grantee.grantPrincipal.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: [...new Set(keyActions)],
          resources: [this.encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` } },
        }),
      );
    }
    return grant;
  }
}
