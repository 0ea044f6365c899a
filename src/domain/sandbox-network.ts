// Where a drill restores and which network its sandbox and its verifier get.
// Every network id (DB subnet group, security group, subnet) belongs to one
// region: the settings of one region are never used in another. The
// top-level sandbox fields are the stack region's (the region the verifier of
// the main stack runs in); every other region a drill restores in is named in
// sandbox.regions, whose entry also overrides the top-level fields for the
// stack region.
import type { Config } from '../config/schema.ts';
import { deploymentOf } from './deployment.ts';

/** What RDS is told about the network of a sandbox restored in one region. */
export interface SandboxNetwork {
  readonly subnetGroup: string;
  /** Empty: RDS gives the sandbox the VPC's default security group. */
  readonly securityGroupIds: readonly string[];
}

/** The network of the verifier function that reaches the sandboxes of one region. */
export interface VerifierNetwork {
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
}

type NetworkConfig = Pick<Config, 'sourceRegion' | 'copyRegions' | 'aws' | 'sandbox' | 'drills'>;

/** The region scheduled drills restore in: drills.region, else the first copy region. */
export function scheduledDrillRegion(
  config: Pick<Config, 'sourceRegion' | 'copyRegions' | 'drills'>,
): string {
  return config.drills.region ?? config.copyRegions[0]?.region ?? config.sourceRegion;
}

/**
 * The network of the sandboxes of every region that has one: each region
 * of sandbox.regions, and the stack region from the top-level fields unless
 * sandbox.regions names it.
 */
export function sandboxNetworks(config: NetworkConfig): ReadonlyMap<string, SandboxNetwork> {
  const networks = new Map<string, SandboxNetwork>([
    [
      deploymentOf(config).region,
      { subnetGroup: config.sandbox.subnetGroup, securityGroupIds: config.sandbox.securityGroupIds },
    ],
  ]);
  for (const [region, network] of Object.entries(config.sandbox.regions)) {
    networks.set(region, { subnetGroup: network.subnetGroup, securityGroupIds: network.securityGroupIds });
  }
  return networks;
}

/** Why no sandbox can be restored in `region`: the field to set, by name. */
export function missingNetworkMessage(region: string): string {
  return (
    `no sandbox network for ${region}: set sandbox.regions.${region}.subnetGroup and ` +
    `sandbox.regions.${region}.securityGroupIds (with its verifierSubnetIds and verifierSecurityGroupIds); ` +
    "the stack region's sandbox.subnetGroup and sandbox.securityGroupIds are not used in another region"
  );
}

/**
 * Regions other than the stack region whose sandboxes a verifier of their own
 * reaches (the regional verifier stack): every region of sandbox.regions but
 * the stack region, in the order of the configuration.
 */
export function regionalVerifierRegions(config: NetworkConfig): string[] {
  const stackRegion = deploymentOf(config).region;
  return Object.keys(config.sandbox.regions).filter((region) => region !== stackRegion);
}

/**
 * Which verifier reaches a sandbox of `region`: the regional verifier of
 * its region when it has one, else the stack's own (which, for a region
 * without network settings, is never asked: the restore fails first).
 */
export function chooseVerifier(config: NetworkConfig, region: string): 'stack-region' | 'drill-region' {
  return regionalVerifierRegions(config).includes(region) ? 'drill-region' : 'stack-region';
}

/** The verifier network of a region named in sandbox.regions; undefined for any other region. */
export function regionalVerifierNetwork(config: NetworkConfig, region: string): VerifierNetwork | undefined {
  const network = config.sandbox.regions[region];
  return network === undefined
    ? undefined
    : { subnetIds: network.verifierSubnetIds, securityGroupIds: network.verifierSecurityGroupIds };
}
