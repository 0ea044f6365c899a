// The sandbox port over the AWS SDK v3: restore drills restore a snapshot into
// an isolated RDS DB instance, Aurora cluster or Multi-AZ DB cluster, wait for
// it, read its credentials, and always delete it.
//
// One `RDSClient` and one `SecretsManagerClient` per region (see
// `awsSandboxPortProvider`). Tags come from the `TagList` of the describe
// output, as in `rds.ts`, and errors go through the same translation
// (`translateRdsError`) plus the sandbox's own cases.
//
// Safety rules, each pinned by a test:
// - a sandbox is never publicly accessible, never protected from deletion,
//   and restored into the subnet group and security groups configured for
//   the adapter's own region only (network ids are regional: without
//   settings for the region, nothing is restored);
//   it is never Multi-AZ either, except the sandbox of a Multi-AZ DB cluster,
//   which RDS can only restore as what it is: a writer and two readers in
//   three Availability Zones;
// - nothing is deleted, modified or read for credentials unless it carries
//   the sandbox tag, re-read from RDS just before: this is what keeps a
//   teardown from ever deleting a production database;
// - no password is ever generated or sent: RDS manages the master password
//   in Secrets Manager and the verifier reads it from there.
//
// Credentials. RDS cannot turn on its Secrets Manager management of the
// master password in a restore from a snapshot for these engines:
// `RestoreDBInstanceFromDBSnapshot` has a `ManageMasterUserPassword`
// parameter, but the API reference limits it to RDS for Oracle ("Applies to
// RDS for Oracle only", the parameter's documentation in the RDS API
// reference and in @aws-sdk/client-rds 3.1163.0), and
// `RestoreDBClusterFromSnapshot` has no such parameter at all. The RDS User
// Guide (rds-secrets-manager.html) lists create, modify and restore from S3 as
// the operations that can turn it on, not restore from a snapshot. A restored
// database keeps the snapshot's master password and has no `MasterUserSecret`
// (aws/aws-cdk#21730; Terraform does the same follow-up modify since
// hashicorp/terraform-provider-aws#33699). So the adapter turns it on after
// the restore, with `ModifyDBInstance` / `ModifyDBCluster`
// `{ ManageMasterUserPassword: true, ApplyImmediately: true }`, which makes
// RDS generate a new master password and store it in a secret it owns:
// - `restoreSandbox` starts the restore and reports `creating`;
// - `describeSandbox` sends that modify the first time it sees the (tagged)
//   sandbox `available` without a `MasterUserSecret`, and reports a sandbox
//   `available` only once its `MasterUserSecret` exists and is `active` (RDS
//   shows `modifying` / `resetting-master-credentials` meanwhile);
// - `connectionFor` relies on that: it refuses a sandbox without an active
//   secret (InvalidStateError) rather than falling back to anything else.

import {
  CreateDBInstanceCommand,
  type DBCluster,
  type DBInstance,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  type MasterUserSecret,
  ModifyDBClusterCommand,
  ModifyDBInstanceCommand,
  RDSClient,
  RestoreDBClusterFromSnapshotCommand,
  type RestoreDBClusterFromSnapshotCommandInput,
  RestoreDBInstanceFromDBSnapshotCommand,
  type Tag,
} from '@aws-sdk/client-rds';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { databaseTypeOf } from '../../domain/database-type.ts';
import {
  CloudServiceError,
  ConfigError,
  DatabaseNotFoundError,
  InvalidInputError,
  InvalidStateError,
  SandboxCapacityError,
  SandboxProtectionError,
  ThrottlingError,
} from '../../domain/errors.ts';
import { isSandbox, SANDBOX_DRILL_TAG, SANDBOX_TAG, sandboxInstanceId } from '../../domain/sandbox.ts';
import { missingNetworkMessage, type SandboxNetwork } from '../../domain/sandbox-network.ts';
import type { Tags } from '../../ports/rds.ts';
import type {
  ConnectionSettings,
  RestoreSandboxRequest,
  Sandbox,
  SandboxPort,
  SandboxPortProvider,
  SandboxRef,
  SandboxStatus,
} from '../../ports/sandbox.ts';
import { collectPages } from '../pages.ts';
import { clientForRegion } from './clients.ts';
import { translateRdsError } from './rds.ts';

/** Largest page RDS accepts for the describe calls. */
const PAGE_SIZE = 100;

export interface AwsSandboxAdapterOptions {
  /**
   * PEM bundle of the RDS certificate authorities (global-bundle.pem). RDS
   * server certificates are not signed by a CA in Node's default trust store,
   * so the deployment must ship the bundle and pass it here; without it the
   * verifier's TLS handshake fails (it is never turned into an unverified
   * connection).
   */
  readonly caBundle?: string;
  /**
   * The subnet group and security groups of the adapter's region. Without
   * them the adapter still lists, describes and deletes sandboxes (the
   * sweeper needs that in every region) but restores none.
   */
  readonly network?: SandboxNetwork;
}

export class AwsSandboxAdapter implements SandboxPort {
  readonly region: string;
  readonly #rds: RDSClient;
  readonly #secrets: SecretsManagerClient;
  readonly #caBundle: string | undefined;
  readonly #network: SandboxNetwork | undefined;

  constructor(
    rds: RDSClient,
    secrets: SecretsManagerClient,
    region: string,
    options: AwsSandboxAdapterOptions = {},
  ) {
    this.#rds = rds;
    this.#secrets = secrets;
    this.region = region;
    this.#caBundle = options.caBundle;
    this.#network = options.network;
  }

  async restoreSandbox(request: RestoreSandboxRequest): Promise<Sandbox> {
    this.#checkRegion(request.region);
    // A sandbox without the tag could never be torn down (deleteSandbox
    // refuses it) and would keep a copy of customer data: never create one.
    if (!isSandbox(request.tags)) {
      throw new InvalidInputError(
        `sandbox ${request.sandboxId} must be restored with the ${SANDBOX_TAG} tag`,
      );
    }
    if (request.snapshot.kind !== 'instance' && request.snapshot.kind !== 'cluster') {
      throw new InvalidInputError(`unknown snapshot kind for sandbox ${request.sandboxId}`);
    }
    const network = this.#network;
    if (network === undefined) throw new ConfigError(missingNetworkMessage(this.region));
    switch (databaseTypeOf({ kind: request.snapshot.kind, engine: request.engine })) {
      case 'instance':
        return this.#restoreInstance(request, network);
      case 'aurora-cluster':
        return this.#restoreAuroraCluster(request, network);
      case 'multi-az-cluster':
        return this.#restoreMultiAzCluster(request, network);
    }
  }

  async describeSandbox(ref: SandboxRef): Promise<Sandbox | undefined> {
    this.#checkRegion(ref.region);
    if (ref.kind === 'instance') {
      const instance = await this.#findInstance(ref.id);
      if (instance === undefined) return undefined;
      await this.#manageInstanceCredentials(instance);
      return this.#instanceSandbox(instance);
    }
    const cluster = await this.#findCluster(ref.id);
    if (cluster === undefined) return undefined;
    await this.#manageClusterCredentials(cluster);
    return this.#clusterSandbox(cluster, await this.#clusterMembers(ref.id));
  }

  async listSandboxes(): Promise<Sandbox[]> {
    const resource = `region ${this.region}`;
    const [instances, clusters] = await Promise.all([
      collectPages(async (Marker) => {
        const page = await this.#call({ operation: 'DescribeDBInstances', resource }, () =>
          this.#rds.send(new DescribeDBInstancesCommand({ MaxRecords: PAGE_SIZE, Marker })),
        );
        return { items: page.DBInstances ?? [], marker: page.Marker };
      }),
      collectPages(async (Marker) => {
        const page = await this.#call({ operation: 'DescribeDBClusters', resource }, () =>
          this.#rds.send(new DescribeDBClustersCommand({ MaxRecords: PAGE_SIZE, Marker })),
        );
        return { items: page.DBClusters ?? [], marker: page.Marker };
      }),
    ]);
    const membersByCluster = new Map<string, DBInstance[]>();
    for (const instance of instances) {
      const clusterId = instance.DBClusterIdentifier;
      if (clusterId === undefined) continue;
      membersByCluster.set(clusterId, [...(membersByCluster.get(clusterId) ?? []), instance]);
    }
    return [
      // The instance of an Aurora sandbox is reported through its cluster.
      ...instances
        .filter(
          (instance) =>
            instance.DBClusterIdentifier === undefined && isSandbox(fromTagList(instance.TagList)),
        )
        .map((instance) => this.#instanceSandbox(instance)),
      ...clusters
        .filter((cluster) => isSandbox(fromTagList(cluster.TagList)))
        .map((cluster) =>
          this.#clusterSandbox(cluster, membersByCluster.get(cluster.DBClusterIdentifier ?? '') ?? []),
        ),
    ];
  }

  async deleteSandbox(ref: SandboxRef, options: { readonly drillId?: string } = {}): Promise<void> {
    this.#checkRegion(ref.region);
    if (ref.kind === 'instance') {
      // Re-read just before deleting: the tag decides, not the caller.
      const instance = await this.#findInstance(ref.id);
      if (instance === undefined) return;
      guard(ref.id, 'DB instance', instance.TagList, options.drillId);
      if (toSandboxStatus(instance.DBInstanceStatus) === 'deleting') return;
      await this.#deleteInstance(ref.id, { memberOfCluster: instance.DBClusterIdentifier !== undefined });
      return;
    }
    const cluster = await this.#findCluster(ref.id);
    if (cluster === undefined) return;
    guard(ref.id, 'DB cluster', cluster.TagList, options.drillId);
    if (toSandboxStatus(cluster.Status) === 'deleting') return;
    // RDS deletes an Aurora cluster only once its instances are deleted or
    // deleting. A Multi-AZ DB cluster's instances are RDS's own: deleting
    // the cluster terminates them ("all cluster members are terminated",
    // DeleteDBCluster, Amazon RDS API Reference), and they are not deleted
    // one by one.
    if (databaseTypeOf({ kind: 'cluster', engine: cluster.Engine ?? '' }) === 'aurora-cluster') {
      await this.#deleteAuroraMembers(ref.id);
    }
    const context = { operation: 'DeleteDBCluster', resource: `sandbox ${ref.id}`, databaseId: ref.id };
    try {
      await this.#call(context, () =>
        this.#rds.send(
          new DeleteDBClusterCommand({
            DBClusterIdentifier: ref.id,
            SkipFinalSnapshot: true,
            DeleteAutomatedBackups: true,
          }),
        ),
      );
    } catch (error) {
      if (isGone(error)) return;
      throw error;
    }
  }

  async #deleteAuroraMembers(clusterId: string): Promise<void> {
    const members = await this.#clusterMembers(clusterId);
    // Every guard before the first delete: all or nothing.
    for (const member of members) {
      guard(member.DBInstanceIdentifier ?? '', `DB instance of cluster ${clusterId}`, member.TagList);
    }
    for (const member of members) {
      if (toSandboxStatus(member.DBInstanceStatus) === 'deleting') continue;
      await this.#deleteInstance(member.DBInstanceIdentifier ?? '', { memberOfCluster: true });
    }
  }

  async connectionFor(ref: SandboxRef): Promise<ConnectionSettings> {
    this.#checkRegion(ref.region);
    const target =
      ref.kind === 'instance' ? await this.#instanceTarget(ref.id) : await this.#clusterTarget(ref.id);
    const engine = engineFamily(target.engine);
    if (engine === undefined) {
      throw new InvalidInputError(
        `sandbox ${ref.id}: engine ${target.engine} is not supported by the verifier`,
      );
    }
    if (target.host === undefined || target.port === undefined) {
      throw new InvalidStateError(`sandbox ${ref.id} has no endpoint yet`);
    }
    const secretArn = target.secret?.SecretArn;
    if (secretArn === undefined || !credentialsReady(target.secret)) {
      throw new InvalidStateError(
        `sandbox ${ref.id}: its master password is not managed in Secrets Manager yet`,
      );
    }
    const { username, password } = await this.#readSecret(ref.id, secretArn);
    return {
      engine,
      host: target.host,
      port: target.port,
      user: username,
      password,
      // The database the data lives in when RDS knows it (DBName /
      // DatabaseName of the source, kept by the restore); otherwise the
      // engine's default database, which always exists. The verifier goes on
      // from there to every user database of the sandbox.
      database: target.databaseName ?? (engine === 'postgres' ? 'postgres' : 'mysql'),
      // Always verified: the RDS CA bundle must be supplied (see
      // AwsSandboxAdapterOptions.caBundle); the server name is the endpoint's.
      tls: {
        rejectUnauthorized: true,
        ...(this.#caBundle === undefined ? {} : { ca: this.#caBundle }),
        servername: target.host,
      },
    };
  }

  // -------------------------------------------------------------------------
  // Restore

  async #restoreInstance(request: RestoreSandboxRequest, network: SandboxNetwork): Promise<Sandbox> {
    const { sandboxId, snapshot } = request;
    const context = {
      operation: 'RestoreDBInstanceFromDBSnapshot',
      resource: `sandbox ${sandboxId} from ${snapshot.arn}`,
      snapshotId: snapshot.id,
      databaseId: sandboxId,
    };
    try {
      const output = await this.#call(context, () =>
        this.#rds.send(
          new RestoreDBInstanceFromDBSnapshotCommand({
            DBInstanceIdentifier: sandboxId,
            // The ARN, never the id: a snapshot another account shares (a
            // vault copy) is restored by its ARN only ("If you are restoring
            // from a shared manual DB snapshot, the DBSnapshotIdentifier must
            // be the ARN of the shared DB snapshot", Amazon RDS API Reference).
            DBSnapshotIdentifier: snapshot.arn,
            DBInstanceClass: request.instanceClass,
            DBSubnetGroupName: network.subnetGroup,
            VpcSecurityGroupIds: securityGroups(network),
            PubliclyAccessible: false,
            MultiAZ: false,
            DeletionProtection: false,
            AutoMinorVersionUpgrade: false,
            CopyTagsToSnapshot: false,
            Tags: toTagList(request.tags),
            // No EngineVersion: RestoreDBInstanceFromDBSnapshot has no such
            // parameter, the instance runs the snapshot's version ("To
            // restore from a DB snapshot with an unsupported engine version,
            // you must first upgrade the engine version of the snapshot",
            // Amazon RDS API Reference).
            // No ManageMasterUserPassword: RDS for Oracle only on a restore
            // (see the top of this file); describeSandbox turns it on.
          }),
        ),
      );
      return this.#instanceSandbox(required(output.DBInstance, context));
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
      // A retried restore: the sandbox of this drill is already there.
      const existing = await this.#findInstance(sandboxId);
      if (existing === undefined || !sameDrill(existing.TagList, request.tags)) throw error;
      return this.#instanceSandbox(existing);
    }
  }

  /**
   * RestoreDBClusterFromSnapshot, resumed when a retried restore finds the
   * cluster of the same drill. The parameters common to both kinds of
   * cluster are set here; `specific` adds those of one kind.
   */
  async #restoreClusterFromSnapshot(
    request: RestoreSandboxRequest,
    network: SandboxNetwork,
    specific: Partial<RestoreDBClusterFromSnapshotCommandInput>,
  ): Promise<DBCluster> {
    const { sandboxId, snapshot } = request;
    const context = {
      operation: 'RestoreDBClusterFromSnapshot',
      resource: `sandbox ${sandboxId} from ${snapshot.arn}`,
      snapshotId: snapshot.id,
      databaseId: sandboxId,
    };
    try {
      const output = await this.#call(context, () =>
        this.#rds.send(
          new RestoreDBClusterFromSnapshotCommand({
            DBClusterIdentifier: sandboxId,
            // The ARN, which names a cluster snapshot of this account or one
            // another account shares ("You can use either the name or the
            // Amazon Resource Name (ARN) to specify a DB cluster snapshot").
            SnapshotIdentifier: snapshot.arn,
            Engine: request.engine,
            // Without it RDS restores the engine's default version in the
            // region (RestoreDBClusterFromSnapshot, EngineVersion, Amazon RDS
            // API Reference): the drill restores the version the snapshot
            // was taken with, as a real recovery would.
            EngineVersion: request.engineVersion,
            DBSubnetGroupName: network.subnetGroup,
            VpcSecurityGroupIds: securityGroups(network),
            DeletionProtection: false,
            CopyTagsToSnapshot: false,
            Tags: toTagList(request.tags),
            ...specific,
            // RestoreDBClusterFromSnapshot has no ManageMasterUserPassword
            // (see the top of this file); describeSandbox turns it on.
          }),
        ),
      );
      return required(output.DBCluster, context);
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
      const existing = await this.#findCluster(sandboxId);
      if (existing === undefined || !sameDrill(existing.TagList, request.tags)) throw error;
      return existing;
    }
  }

  /**
   * A Multi-AZ DB cluster is restored with its instance class and storage
   * ("Valid for: Multi-AZ DB clusters only": DBClusterInstanceClass, Iops,
   * PubliclyAccessible; StorageType "When specified for a Multi-AZ DB
   * cluster, a value for the Iops parameter is required";
   * RestoreDBClusterFromSnapshot, Amazon RDS API Reference). RDS creates its
   * writer and readers itself: no CreateDBInstance.
   */
  async #restoreMultiAzCluster(request: RestoreSandboxRequest, network: SandboxNetwork): Promise<Sandbox> {
    const settings = request.multiAzCluster;
    if (settings === undefined) {
      throw new InvalidInputError(
        `sandbox ${request.sandboxId}: snapshot ${request.snapshot.id} is of a Multi-AZ DB cluster, ` +
          'whose restore needs the instance class and storage of the cluster, and none was given',
      );
    }
    const cluster = await this.#restoreClusterFromSnapshot(request, network, {
      DBClusterInstanceClass: settings.instanceClass,
      StorageType: settings.storageType,
      Iops: settings.iops,
      PubliclyAccessible: false,
    });
    // No instance is listed yet: the sandbox is `creating` until RDS's own are available.
    return this.#clusterSandbox(cluster, []);
  }

  async #restoreAuroraCluster(request: RestoreSandboxRequest, network: SandboxNetwork): Promise<Sandbox> {
    const { sandboxId } = request;
    const Tags = toTagList(request.tags);
    const cluster = await this.#restoreClusterFromSnapshot(request, network, {});
    // An Aurora cluster holds no compute of its own: one instance serves it.
    // If RDS refuses it while the cluster is still being restored
    // (InvalidStateError, retryable), retrying restoreSandbox resumes here.
    const instanceId = sandboxInstanceId(sandboxId);
    const createContext = {
      operation: 'CreateDBInstance',
      resource: `${instanceId} of sandbox ${sandboxId}`,
      databaseId: sandboxId,
    };
    let members: DBInstance[];
    try {
      const output = await this.#call(createContext, () =>
        this.#rds.send(
          new CreateDBInstanceCommand({
            DBInstanceIdentifier: instanceId,
            DBClusterIdentifier: sandboxId,
            Engine: request.engine,
            DBInstanceClass: request.instanceClass,
            PubliclyAccessible: false,
            AutoMinorVersionUpgrade: false,
            Tags,
          }),
        ),
      );
      members = [required(output.DBInstance, createContext)];
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
      const existing = await this.#findInstance(instanceId);
      if (existing === undefined || !sameDrill(existing.TagList, request.tags)) throw error;
      members = [existing];
    }
    return this.#clusterSandbox(cluster, members);
  }

  // -------------------------------------------------------------------------
  // Managed credentials (see the top of this file)

  async #manageInstanceCredentials(instance: DBInstance): Promise<void> {
    const id = instance.DBInstanceIdentifier ?? '';
    if (!needsManagedCredentials(instance.DBInstanceStatus, instance.MasterUserSecret, instance.TagList))
      return;
    await this.#modifyIgnoringState(
      { operation: 'ModifyDBInstance', resource: `sandbox ${id}`, databaseId: id },
      () =>
        this.#rds.send(
          new ModifyDBInstanceCommand({
            DBInstanceIdentifier: id,
            ManageMasterUserPassword: true,
            ApplyImmediately: true,
          }),
        ),
    );
  }

  async #manageClusterCredentials(cluster: DBCluster): Promise<void> {
    const id = cluster.DBClusterIdentifier ?? '';
    if (!needsManagedCredentials(cluster.Status, cluster.MasterUserSecret, cluster.TagList)) return;
    await this.#modifyIgnoringState(
      { operation: 'ModifyDBCluster', resource: `sandbox ${id}`, databaseId: id },
      () =>
        this.#rds.send(
          new ModifyDBClusterCommand({
            DBClusterIdentifier: id,
            ManageMasterUserPassword: true,
            ApplyImmediately: true,
          }),
        ),
    );
  }

  async #modifyIgnoringState(context: CallContext, send: () => Promise<unknown>): Promise<void> {
    try {
      await this.#call(context, send);
    } catch (error) {
      // A modification already under way (RDS turns `available` into
      // `modifying` a moment later): the next describe looks again.
      if (error instanceof InvalidStateError) return;
      throw error;
    }
  }

  // -------------------------------------------------------------------------
  // Delete

  async #deleteInstance(id: string, options: { memberOfCluster: boolean }): Promise<void> {
    const context = { operation: 'DeleteDBInstance', resource: `sandbox ${id}`, databaseId: id };
    try {
      await this.#call(context, () =>
        this.#rds.send(
          new DeleteDBInstanceCommand({
            DBInstanceIdentifier: id,
            SkipFinalSnapshot: true,
            // Automated backups are the cluster's for an Aurora instance.
            ...(options.memberOfCluster ? {} : { DeleteAutomatedBackups: true }),
          }),
        ),
      );
    } catch (error) {
      if (isGone(error)) return;
      throw error;
    }
  }

  // -------------------------------------------------------------------------
  // Describe

  async #findInstance(id: string): Promise<DBInstance | undefined> {
    try {
      const output = await this.#call(
        { operation: 'DescribeDBInstances', resource: `sandbox ${id}`, databaseId: id },
        () => this.#rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id })),
      );
      return output.DBInstances?.[0];
    } catch (error) {
      if (error instanceof DatabaseNotFoundError) return undefined;
      throw error;
    }
  }

  async #findCluster(id: string): Promise<DBCluster | undefined> {
    try {
      const output = await this.#call(
        { operation: 'DescribeDBClusters', resource: `sandbox ${id}`, databaseId: id },
        () => this.#rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id })),
      );
      return output.DBClusters?.[0];
    } catch (error) {
      if (error instanceof DatabaseNotFoundError) return undefined;
      throw error;
    }
  }

  async #clusterMembers(clusterId: string): Promise<DBInstance[]> {
    const context = {
      operation: 'DescribeDBInstances',
      resource: `instances of sandbox ${clusterId}`,
      databaseId: clusterId,
    };
    return collectPages(async (Marker) => {
      const page = await this.#call(context, () =>
        this.#rds.send(
          new DescribeDBInstancesCommand({
            Filters: [{ Name: 'db-cluster-id', Values: [clusterId] }],
            MaxRecords: PAGE_SIZE,
            Marker,
          }),
        ),
      );
      return { items: page.DBInstances ?? [], marker: page.Marker };
    });
  }

  #instanceSandbox(instance: DBInstance): Sandbox {
    const id = instance.DBInstanceIdentifier ?? '';
    const rdsStatus = instance.DBInstanceStatus;
    const mapped = toSandboxStatus(rdsStatus);
    const base = {
      region: this.region,
      kind: 'instance' as const,
      id,
      engine: instance.Engine ?? '',
      createdAt: instance.InstanceCreateTime,
      tags: fromTagList(instance.TagList),
    };
    if (mapped === 'failed') {
      return { ...base, status: 'failed', statusReason: `DB instance ${id} is ${rdsStatus ?? 'failed'}` };
    }
    const status =
      mapped === 'available' && !credentialsReady(instance.MasterUserSecret) ? 'creating' : mapped;
    return { ...base, status };
  }

  /** Available only when the cluster, every instance, and the managed credentials are. */
  #clusterSandbox(cluster: DBCluster, members: readonly DBInstance[]): Sandbox {
    const id = cluster.DBClusterIdentifier ?? '';
    const base = {
      region: this.region,
      kind: 'cluster' as const,
      id,
      engine: cluster.Engine ?? '',
      createdAt: cluster.ClusterCreateTime,
      tags: fromTagList(cluster.TagList),
    };
    const clusterStatus = toSandboxStatus(cluster.Status);
    if (clusterStatus === 'failed') {
      return { ...base, status: 'failed', statusReason: `DB cluster ${id} is ${cluster.Status ?? 'failed'}` };
    }
    const failedMember = members.find((member) => toSandboxStatus(member.DBInstanceStatus) === 'failed');
    if (failedMember !== undefined) {
      return {
        ...base,
        status: 'failed',
        statusReason: `DB instance ${failedMember.DBInstanceIdentifier ?? ''} of cluster ${id} is ${failedMember.DBInstanceStatus ?? 'failed'}`,
      };
    }
    const memberStatuses = members.map((member) => toSandboxStatus(member.DBInstanceStatus));
    if (clusterStatus === 'deleting' || memberStatuses.includes('deleting')) {
      return { ...base, status: 'deleting' };
    }
    const ready =
      clusterStatus === 'available' &&
      memberStatuses.length > 0 &&
      memberStatuses.every((status) => status === 'available') &&
      credentialsReady(cluster.MasterUserSecret);
    return { ...base, status: ready ? 'available' : 'creating' };
  }

  // -------------------------------------------------------------------------
  // Connection

  async #instanceTarget(id: string): Promise<ConnectionTarget> {
    const instance = await this.#findInstance(id);
    if (instance === undefined) throw new DatabaseNotFoundError(id);
    guard(id, 'DB instance', instance.TagList);
    return {
      engine: instance.Engine ?? '',
      host: instance.Endpoint?.Address,
      port: instance.Endpoint?.Port,
      databaseName: nonEmpty(instance.DBName),
      secret: instance.MasterUserSecret,
    };
  }

  async #clusterTarget(id: string): Promise<ConnectionTarget> {
    const cluster = await this.#findCluster(id);
    if (cluster === undefined) throw new DatabaseNotFoundError(id);
    guard(id, 'DB cluster', cluster.TagList);
    return {
      engine: cluster.Engine ?? '',
      host: cluster.Endpoint,
      port: cluster.Port,
      databaseName: nonEmpty(cluster.DatabaseName),
      secret: cluster.MasterUserSecret,
    };
  }

  async #readSecret(sandboxId: string, secretArn: string): Promise<{ username: string; password: string }> {
    let secretString: string | undefined;
    try {
      const output = await this.#secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
      secretString = output.SecretString;
    } catch (error) {
      throw translateSecretsError(error, `GetSecretValue of sandbox ${sandboxId}`);
    }
    // Never put the secret, or a parser message quoting it, into an error.
    const invalid = () =>
      new CloudServiceError(
        `secret of sandbox ${sandboxId} is not a JSON object with a username and a password`,
      );
    if (secretString === undefined) throw invalid();
    let parsed: unknown;
    try {
      parsed = JSON.parse(secretString);
    } catch {
      throw invalid();
    }
    if (typeof parsed !== 'object' || parsed === null) throw invalid();
    const username: unknown = Reflect.get(parsed, 'username');
    const password: unknown = Reflect.get(parsed, 'password');
    if (typeof username !== 'string' || typeof password !== 'string' || username === '') throw invalid();
    return { username, password };
  }

  // -------------------------------------------------------------------------

  #checkRegion(region: string): void {
    if (region !== this.region) {
      throw new InvalidInputError(`sandbox of region ${region} asked of the ${this.region} port`);
    }
  }

  async #call<T>(context: CallContext, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw translateSandboxError(error, context);
    }
  }
}

// ---------------------------------------------------------------------------
// Provider

export interface AwsSandboxPortProviderOptions {
  readonly rdsClientFactory?: (region: string) => RDSClient;
  readonly secretsClientFactory?: (region: string) => SecretsManagerClient;
  /** See AwsSandboxAdapterOptions.caBundle. */
  readonly caBundle?: string;
  /** The sandbox network of each region that has one (src/domain/sandbox-network.ts). */
  readonly networks?: ReadonlyMap<string, SandboxNetwork>;
}

/**
 * The port of each region, over one `RDSClient` and one
 * `SecretsManagerClient` per region kept for the life of the module (a
 * Lambda container reuses them across invocations).
 */
export function awsSandboxPortProvider(options: AwsSandboxPortProviderOptions = {}): SandboxPortProvider {
  const rdsFactory = options.rdsClientFactory ?? defaultRdsClient;
  const secretsFactory = options.secretsClientFactory ?? defaultSecretsClient;
  return (region) => {
    const network = options.networks?.get(region);
    return new AwsSandboxAdapter(
      clientForRegion(rdsFactory, region),
      clientForRegion(secretsFactory, region),
      region,
      {
        ...(options.caBundle === undefined ? {} : { caBundle: options.caBundle }),
        ...(network === undefined ? {} : { network }),
      },
    );
  };
}

function defaultRdsClient(region: string): RDSClient {
  return new RDSClient({ region, maxAttempts: 3 });
}

function defaultSecretsClient(region: string): SecretsManagerClient {
  return new SecretsManagerClient({ region, maxAttempts: 3 });
}

// ---------------------------------------------------------------------------
// Errors

type CallContext = Parameters<typeof translateRdsError>[1];

// SDK exception names and wire codes, as in rds.ts.
const CAPACITY = new Set([
  'InsufficientDBInstanceCapacityFault',
  'InsufficientDBInstanceCapacity',
  'InsufficientDBClusterCapacityFault',
  'InsufficientStorageClusterCapacityFault',
  'InsufficientStorageClusterCapacity',
  'InstanceQuotaExceededFault',
  'InstanceQuotaExceeded',
  'StorageQuotaExceededFault',
  'StorageQuotaExceeded',
  'DBClusterQuotaExceededFault',
]);
const ALREADY_EXISTS = new Set([
  'DBInstanceAlreadyExistsFault',
  'DBInstanceAlreadyExists',
  'DBClusterAlreadyExistsFault',
]);
// RDS answers a delete of what is already being deleted with an invalid
// state error ("Instance x is already being deleted").
const ALREADY_DELETING = /already being deleted/i;

/**
 * The RDS translation of `rds.ts` (throttling, invalid state, not found,
 * snapshot not found, KMS) plus the sandbox's capacity and quota errors.
 */
export function translateSandboxError(error: unknown, context: CallContext): unknown {
  if (error instanceof Error && CAPACITY.has(error.name)) {
    return new SandboxCapacityError(
      `${context.operation} ${context.resource}: no room for a sandbox: ${error.message}`,
      { cause: error },
    );
  }
  return translateRdsError(error, context);
}

const SECRETS_THROTTLING = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException']);

function translateSecretsError(error: unknown, what: string): unknown {
  if (!(error instanceof Error)) return error;
  if (SECRETS_THROTTLING.has(error.name)) {
    return new ThrottlingError(`${what}: throttled: ${error.message}`, { cause: error });
  }
  // RDS creates the secret asynchronously; it can lag the describe output.
  if (error.name === 'ResourceNotFoundException') {
    return new InvalidStateError(`${what}: secret not found yet: ${error.message}`, { cause: error });
  }
  return error;
}

function isAlreadyExists(error: unknown): boolean {
  return error instanceof Error && ALREADY_EXISTS.has(error.name);
}

/** Deleted already, or being deleted: a delete's success. */
function isGone(error: unknown): boolean {
  return (
    error instanceof DatabaseNotFoundError ||
    (error instanceof InvalidStateError && ALREADY_DELETING.test(error.message))
  );
}

/** Throws unless the resource carries the sandbox tag. */
function guard(id: string, what: string, tagList: Tag[] | undefined, drillId?: string): void {
  const tags = fromTagList(tagList);
  if (!isSandbox(tags)) {
    throw new SandboxProtectionError(id, `${what} ${id} does not carry the ${SANDBOX_TAG} tag`);
  }
  if (drillId !== undefined && tags[SANDBOX_DRILL_TAG] !== drillId) {
    throw new SandboxProtectionError(
      id,
      `${what} ${id} belongs to drill ${tags[SANDBOX_DRILL_TAG] ?? '(none)'}, not ${drillId}`,
    );
  }
}

/** A sandbox with this id restored by the same drill (a retried restore). */
function sameDrill(tagList: Tag[] | undefined, requested: Tags): boolean {
  const tags = fromTagList(tagList);
  return (
    isSandbox(tags) &&
    tags[SANDBOX_DRILL_TAG] !== undefined &&
    tags[SANDBOX_DRILL_TAG] === requested[SANDBOX_DRILL_TAG]
  );
}

/** A response field RDS always sets on success. */
function required<T>(value: T | undefined, context: CallContext): T {
  if (value === undefined) {
    throw new Error(`${context.operation} ${context.resource}: RDS returned no result`);
  }
  return value;
}

// ---------------------------------------------------------------------------
// Mapping

interface ConnectionTarget {
  readonly engine: string;
  readonly host: string | undefined;
  readonly port: number | undefined;
  readonly databaseName: string | undefined;
  readonly secret: MasterUserSecret | undefined;
}

const DELETING_STATUSES: ReadonlySet<string> = new Set(['deleting', 'delete-precheck']);
// Statuses a restored sandbox does not leave by itself. Anything else that is
// not `available` (backing-up, modifying, configuring-enhanced-monitoring,
// resetting-master-credentials, ...) is still on its way: `creating`.
const FAILED_STATUSES: ReadonlySet<string> = new Set([
  'failed',
  'incompatible-restore',
  'restore-error',
  'inaccessible-encryption-credentials',
  'inaccessible-encryption-credentials-recoverable',
  'incompatible-network',
  'incompatible-parameters',
  'incompatible-option-group',
  'incompatible-credentials',
  'insufficient-capacity',
  'storage-full',
  'stopping',
  'stopped',
]);

/** RDS reports statuses in lower case but does not promise it. */
export function toSandboxStatus(rdsStatus: string | undefined): SandboxStatus {
  const status = (rdsStatus ?? '').toLowerCase();
  if (status === 'available') return 'available';
  if (DELETING_STATUSES.has(status)) return 'deleting';
  if (FAILED_STATUSES.has(status)) return 'failed';
  return 'creating';
}

/** The managed master secret exists and is usable (not being created or rotated). */
function credentialsReady(secret: MasterUserSecret | undefined): boolean {
  return secret?.SecretArn !== undefined && (secret.SecretStatus ?? '').toLowerCase() === 'active';
}

/** A tagged sandbox RDS is done restoring, whose password RDS does not manage yet. */
function needsManagedCredentials(
  rdsStatus: string | undefined,
  secret: MasterUserSecret | undefined,
  tagList: Tag[] | undefined,
): boolean {
  return (
    (rdsStatus ?? '').toLowerCase() === 'available' && secret === undefined && isSandbox(fromTagList(tagList))
  );
}

function engineFamily(engine: string): ConnectionSettings['engine'] | undefined {
  switch (engine.toLowerCase()) {
    case 'postgres':
    case 'aurora-postgresql':
      return 'postgres';
    case 'mysql':
    case 'mariadb':
    case 'aurora-mysql':
    case 'aurora':
      return 'mysql';
    default:
      return undefined;
  }
}

function securityGroups(network: SandboxNetwork): string[] | undefined {
  // Left out when none is configured: RDS then uses the VPC's default group
  // (an empty list would be sent as an empty parameter).
  return network.securityGroupIds.length === 0 ? undefined : [...network.securityGroupIds];
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function fromTagList(tagList: Tag[] | undefined): Tags {
  const tags: Record<string, string> = {};
  for (const tag of tagList ?? []) {
    if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
  }
  return tags;
}

function toTagList(tags: Tags): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}
