// AWS partitions, regions and the ARNs the configuration names. A stack, its
// copy regions and every ARN it is given live in one partition: a snapshot
// cannot be copied across partitions, and an IAM statement of one partition
// never matches a resource of another. The partitions and the shapes of their
// region names are those of the AWS SDK's endpoint rules (partitions.json of
// @aws-sdk/util-endpoints); every region of another shape is in `aws`.

/** The partitions, most specific region prefix first. */
const PARTITIONS = [
  { id: 'aws-us-gov', regions: /^us-gov-[a-z]+-\d+$/ },
  { id: 'aws-iso-b', regions: /^us-isob-[a-z]+-\d+$/ },
  { id: 'aws-iso-f', regions: /^us-isof-[a-z]+-\d+$/ },
  { id: 'aws-iso', regions: /^us-iso-[a-z]+-\d+$/ },
  { id: 'aws-iso-e', regions: /^eu-isoe-[a-z]+-\d+$/ },
  { id: 'aws-eusc', regions: /^eusc-de-[a-z]+-\d+$/ },
  { id: 'aws-cn', regions: /^cn-[a-z]+-\d+$/ },
] as const;

export const PARTITION_IDS = ['aws', ...PARTITIONS.map((partition) => partition.id)] as const;
export type PartitionId = (typeof PARTITION_IDS)[number];

/**
 * A region name of any partition: `eu-west-1`, `us-gov-west-1`,
 * `us-isob-east-1`, `eusc-de-east-1`.
 */
export const REGION_PATTERN = '^[a-z]{2,4}(?:-[a-z]+)+-\\d{1,2}$';

/** The partition a region is in. */
export function partitionOf(region: string): PartitionId {
  return PARTITIONS.find((partition) => partition.regions.test(region))?.id ?? 'aws';
}

const PARTITION = PARTITION_IDS.join('|');
const REGION = REGION_PATTERN.slice(1, -1);
const ACCOUNT = '\\d{12}';

/**
 * A standard SNS topic's ARN, `arn:<partition>:sns:<region>:<account>:<name>`:
 * a name of 1 to 256 letters, digits, hyphens and underscores. A FIFO topic
 * (whose name ends in `.fifo`) is not one: it takes only messages with a
 * message group id, which alerts do not carry.
 */
export const SNS_TOPIC_ARN_PATTERN = `^arn:(?:${PARTITION}):sns:${REGION}:${ACCOUNT}:[A-Za-z0-9_-]{1,256}$`;

/**
 * A KMS key as RDS takes it: a key id (a UUID, or `mrk-` and 32 hex digits for
 * a multi-Region key), `alias/<name>`, or the ARN of a key or an alias.
 */
export const KMS_KEY_PATTERN = `^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32}|alias/[A-Za-z0-9/_-]{1,250}|arn:(?:${PARTITION}):kms:${REGION}:${ACCOUNT}:(?:key/(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})|alias/[A-Za-z0-9/_-]{1,250}))$`;

export interface Arn {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly account: string;
  readonly resource: string;
}

/** The parts of an ARN, or undefined for anything else. */
export function parseArn(text: string): Arn | undefined {
  const match = /^arn:([a-z-]+):([a-z0-9-]+):([a-z0-9-]*):(\d{12}|):(.+)$/.exec(text);
  if (match === null) return undefined;
  const [, partition = '', service = '', region = '', account = '', resource = ''] = match;
  return { partition, service, region, account, resource };
}

/**
 * Why an ARN does not belong in `region` (which the message calls `where`):
 * another region, or a partition other than the region's. Undefined when it
 * belongs there, or is no ARN.
 */
export function arnRegionProblem(text: string, region: string, where = region): string | undefined {
  const arn = parseArn(text);
  if (arn === undefined) return undefined;
  if (arn.region !== region) return `is in ${arn.region}, not in ${where}`;
  const partition = partitionOf(region);
  if (arn.partition !== partition) {
    return `is in partition ${arn.partition}, but ${region} is in partition ${partition}`;
  }
  return undefined;
}
