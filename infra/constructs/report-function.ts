import path from 'node:path';
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** The repository root: the folder holding package.json, queries/ and templates/. */
export const PROJECT_ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * Where the bundle sits inside the Lambda package: two folders deep, like src/<area>/*.ts in the
 * repository, so `new URL('../../queries/', import.meta.url)` and `../../templates/` resolve to the
 * copies at the package root (/var/task/queries, /var/task/templates).
 */
export const BUNDLE_DIR = 'app/lambda';

/**
 * Files read at run time from packages whose code is bundled: the browser builds inlined into the
 * archived page, and resvg's WebAssembly module (the same file on x64 and arm64: no native binary).
 */
export const RUNTIME_FILES = [
  { name: 'vega', file: 'build/vega.min.js' },
  { name: 'vega-lite', file: 'build/vega-lite.min.js' },
  { name: 'vega-embed', file: 'build/vega-embed.min.js' },
  { name: '@resvg/resvg-wasm', file: 'index_bg.wasm' },
] as const;

/** ESM output still runs CommonJS dependencies that call require() or read __dirname. */
const ESM_BANNER = [
  "import { createRequire as __cbrCreateRequire } from 'node:module';",
  "import { fileURLToPath as __cbrFileURLToPath } from 'node:url';",
  "import { dirname as __cbrDirname } from 'node:path';",
  'const require = __cbrCreateRequire(import.meta.url);',
  'const __filename = __cbrFileURLToPath(import.meta.url);',
  'const __dirname = __cbrDirname(__filename);',
].join(' ');

export interface ReportFunctionProps {
  /** Entry file, relative to the project root. */
  entry: string;
  environment: Record<string, string>;
  description?: string;
  /** A fixed name, for a function that must refer to itself (its own ARN) without a circular reference. */
  functionName?: string;
  /** What the role is for; the report Lambda's by default. */
  roleDescription?: string;
  /** The AWS Parameters and Secrets Lambda Extension, for a function that reads SSM parameters. */
  paramsAndSecrets?: lambda.ParamsAndSecretsLayerVersion;
  architecture?: lambda.Architecture;
  memorySize?: number;
  timeout?: Duration;
  logRetention?: logs.RetentionDays;
}

/** The shell commands that lay the package out after esbuild: bundle two levels deep, assets at the root. */
export function layoutCommands(inputDir: string, outputDir: string): string[] {
  const q = (p: string) => `'${p.replaceAll("'", "'\\''")}'`;
  const bundle = path.posix.join(outputDir, BUNDLE_DIR);
  return [
    `mkdir -p ${q(bundle)}`,
    `mv ${q(path.posix.join(outputDir, 'index.mjs'))} ${q(bundle)}/`,
    `if [ -f ${q(path.posix.join(outputDir, 'index.mjs.map'))} ]; then mv ${q(path.posix.join(outputDir, 'index.mjs.map'))} ${q(bundle)}/; fi`,
    `cp -R ${q(path.posix.join(inputDir, 'queries'))} ${q(path.posix.join(outputDir, 'queries'))}`,
    `cp -R ${q(path.posix.join(inputDir, 'templates'))} ${q(path.posix.join(outputDir, 'templates'))}`,
    ...RUNTIME_FILES.flatMap(({ name, file }) => {
      const target = path.posix.join(outputDir, 'node_modules', name);
      // A stub package.json without "exports": both require.resolve('<pkg>/<file>') and resolving '<pkg>' itself work.
      const stub = JSON.stringify({ name, private: true, main: file });
      return [
        `mkdir -p ${q(path.posix.dirname(path.posix.join(target, file)))}`,
        `cp ${q(path.posix.join(inputDir, 'node_modules', name, file))} ${q(path.posix.join(target, file))}`,
        `printf '%s' ${q(stub)} > ${q(path.posix.join(target, 'package.json'))}`,
      ];
    }),
  ];
}

/**
 * The report Lambda: Node.js 22 on Graviton, an ESM bundle with the SQL files, templates and fonts
 * beside it, its own log group, active tracing, and a
 * role that starts empty (callers grant exactly what it needs).
 */
export class ReportFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  private readonly functionName: string | undefined;

  constructor(scope: Construct, id: string, props: ReportFunctionProps) {
    super(scope, id);
    const architecture = props.architecture ?? lambda.Architecture.ARM_64;
    this.functionName = props.functionName;
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // No AWSLambdaBasicExecutionRole: the function writes only to its own log group.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description:
        props.roleDescription ?? 'Report Lambda: query the lake with Athena, archive the report, send the email',
    });
    this.logGroup.grantWrite(this.role);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: path.join(PROJECT_ROOT, props.entry),
      functionName: props.functionName,
      handler: `${BUNDLE_DIR}/index.handler`,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture,
      memorySize: props.memorySize ?? 1536,
      timeout: props.timeout ?? Duration.minutes(5),
      description: props.description,
      role: this.role,
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      paramsAndSecrets: props.paramsAndSecrets,
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: 'node22',
        platform: 'node',
        mainFields: ['module', 'main'],
        banner: ESM_BANNER,
        minify: true,
        keepNames: true,
        sourceMap: true,
        sourcesContent: false,
        // The SDK ships with the runtime; DuckDB is the local engine only; typescript is an optional peer of cosmiconfig (mjml).
        externalModules: ['@aws-sdk/*', '@duckdb/node-api', '@duckdb/node-bindings', 'typescript'],
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir, outputDir) => layoutCommands(inputDir, outputDir),
        },
      },
    });
  }

  /**
   * lambda:InvokeFunction on this function itself (asynchronous work it hands to itself). The ARN is
   * built from the fixed name: a reference to the function from its own role's policy would be a cycle.
   */
  grantInvokeSelf(): iam.Grant {
    if (!this.functionName) throw new Error(`${this.node.path}: grantInvokeSelf needs a fixed functionName`);
    return iam.Grant.addToPrincipal({
      grantee: this.role,
      actions: ['lambda:InvokeFunction'],
      resourceArns: [
        Stack.of(this).formatArn({
          service: 'lambda',
          resource: 'function',
          resourceName: this.functionName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
    });
  }

  /** SES sending as one verified identity (and through one configuration set, when given). */
  grantSendEmail(identityArn: string, configurationSetArn?: string): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee: this.role,
      actions: ['ses:SendEmail', 'ses:SendRawEmail'],
      resourceArns: [identityArn, ...(configurationSetArn ? [configurationSetArn] : [])],
    });
  }
}
