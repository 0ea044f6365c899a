// Deployments the unit tests name: the default one (stage prod in its source
// region, what every earlier version ran as) and another stage beside it.
import { deploymentOf } from '../../src/domain/deployment.ts';

export const DEFAULT_DEPLOYMENT = deploymentOf({ sourceRegion: 'eu-west-1', aws: { stage: 'prod' } });
export const STAGING_DEPLOYMENT = deploymentOf({ sourceRegion: 'eu-west-1', aws: { stage: 'staging' } });
