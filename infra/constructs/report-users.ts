import { CfnOutput, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

export interface ReportUsersProps {
  namePrefix: string;
  /** Use this existing pool (it must define custom:tenant_id and custom:profile) instead of creating one. */
  userPoolId?: string | undefined;
  /** Accept ID tokens of this existing app client of `userPoolId`; otherwise a client is created. */
  userPoolClientId?: string | undefined;
}

/** The claims the API reads from an ID token (src/api/auth.ts CLAIMS). */
export const CUSTOM_ATTRIBUTES = { tenant: 'tenant_id', profile: 'profile' } as const;

/**
 * Who may call the report API: a Cognito user pool with the panel's custom attributes (`custom:tenant_id`,
 * fixed at creation; `custom:profile`, e.g. ADMIN) and an app client for the panel whose ID tokens carry
 * them. Users are created by an administrator (no self sign-up: the tenant is set by whoever creates the
 * user), sign in with their email, a strong password and a TOTP second factor.
 */
export class ReportUsers extends Construct {
  readonly userPool: cognito.IUserPool;
  readonly client: cognito.IUserPoolClient;
  /** The region of the pool: the authorizer's issuer URL names it. */
  readonly region: string | undefined;

  constructor(scope: Construct, id: string, props: ReportUsersProps) {
    super(scope, id);
    if (props.userPoolId) {
      this.userPool = cognito.UserPool.fromUserPoolId(this, 'UserPool', props.userPoolId);
      this.region = props.userPoolId.slice(0, props.userPoolId.indexOf('_'));
    } else {
      this.userPool = new cognito.UserPool(this, 'UserPool', {
        userPoolName: `${props.namePrefix}-report-users`,
        selfSignUpEnabled: false,
        signInAliases: { email: true },
        signInCaseSensitive: false,
        autoVerify: { email: true },
        keepOriginal: { email: true },
        standardAttributes: { email: { required: true, mutable: true } },
        customAttributes: {
          [CUSTOM_ATTRIBUTES.tenant]: new cognito.StringAttribute({ minLen: 1, maxLen: 63, mutable: false }),
          [CUSTOM_ATTRIBUTES.profile]: new cognito.StringAttribute({ minLen: 1, maxLen: 32, mutable: true }),
        },
        passwordPolicy: {
          minLength: 12,
          requireLowercase: true,
          requireUppercase: true,
          requireDigits: true,
          requireSymbols: true,
          passwordHistorySize: 5,
          tempPasswordValidity: Duration.days(3),
        },
        // TOTP only: no SMS, so no SNS role and no phone numbers to keep.
        mfa: cognito.Mfa.REQUIRED,
        mfaSecondFactor: { otp: true, sms: false },
        accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
        featurePlan: cognito.FeaturePlan.PLUS,
        standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
        deletionProtection: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    }

    if (props.userPoolClientId) {
      this.client = cognito.UserPoolClient.fromUserPoolClientId(this, 'PanelClient', props.userPoolClientId);
    } else {
      const custom = Object.values(CUSTOM_ATTRIBUTES);
      this.client = this.userPool.addClient('PanelClient', {
        userPoolClientName: `${props.namePrefix}-panel`,
        generateSecret: false,
        authFlows: { userSrp: true },
        // The panel signs in with SRP; no hosted UI, so no OAuth flows or callback URLs to abuse.
        disableOAuth: true,
        preventUserExistenceErrors: true,
        enableTokenRevocation: true,
        idTokenValidity: Duration.hours(1),
        accessTokenValidity: Duration.hours(1),
        refreshTokenValidity: Duration.days(1),
        // The ID token carries the tenant and the profile the API authorizes with...
        readAttributes: new cognito.ClientAttributes()
          .withStandardAttributes({ email: true, emailVerified: true, fullname: true })
          .withCustomAttributes(...custom),
        // ...and users can never write them (UpdateUserAttributes with their own token): only an administrator can.
        writeAttributes: new cognito.ClientAttributes().withStandardAttributes({ email: true, fullname: true }),
      });
    }

    new CfnOutput(this, 'UserPoolId', {
      description: 'Cognito user pool of the report API (create users with custom:tenant_id and custom:profile)',
      value: this.userPool.userPoolId,
    });
    new CfnOutput(this, 'UserPoolClientId', {
      description: 'App client whose ID tokens the report API accepts (audience of its JWT authorizer)',
      value: this.client.userPoolClientId,
    });
  }
}
