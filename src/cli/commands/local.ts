import { seedDemoDatabases } from '../../local-cloud/demo-data.ts';
import { EXIT_OK } from '../errors.ts';
import { cloudExists, openLocalEnvironment, regionsOf, withLocalEnvironment } from '../local-environment.ts';
import type { CommandContext } from '../main.ts';

export async function runLocalInitCommand(context: CommandContext): Promise<number> {
  const existed = cloudExists(context.stateDir);
  const environment = await openLocalEnvironment(context, { create: true });
  await environment.close();
  context.output.say(
    `${existed ? 'local cloud already present' : 'created the local cloud'} in ${environment.stateDir} ` +
      `(regions: ${regionsOf(context).join(', ')})`,
  );
  context.output.result({ stateDir: environment.stateDir, regions: regionsOf(context), created: !existed });
  return EXIT_OK;
}

export async function runLocalSeedCommand(context: CommandContext): Promise<number> {
  return withLocalEnvironment(context, { create: true }, async (environment) => {
    context.output.progress('creating the demo databases (PostgreSQL in PGlite)…');
    const created = await seedDemoDatabases(environment.cloud, context.config.sourceRegion, context.clock());
    context.output.say(
      created.length === 0
        ? 'demo databases already present'
        : `created ${created.join(', ')} in ${context.config.sourceRegion}`,
    );
    context.output.result({ region: context.config.sourceRegion, created });
    return EXIT_OK;
  });
}
