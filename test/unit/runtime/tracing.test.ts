// On Lambda, every AWS SDK call of the adapters is an X-Ray subsegment: the
// Powertools Tracer wraps each client the adapters make once it is loaded.
import { RDSClient } from '@aws-sdk/client-rds';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { clientForRegion, instrumentClients, instrumented } from '../../../src/adapters/aws/clients.ts';
import { traceAwsClients } from '../../../src/runtime/tracing.ts';

afterEach(() => {
  instrumentClients(undefined);
  vi.unstubAllEnvs();
});

const xrayMiddleware = (client: RDSClient) =>
  client.middlewareStack.identify().filter((name) => /XRay/i.test(name));

describe('tracing the AWS clients', () => {
  it('wraps every client made once instrumented, and none before', () => {
    const before = clientForRegion((region) => new RDSClient({ region }), 'eu-west-1');
    const wrapped: unknown[] = [];
    instrumentClients((client) => {
      wrapped.push(client);
      return client;
    });

    const factory = (region: string) => new RDSClient({ region });
    const after = clientForRegion(factory, 'eu-west-1');
    const again = clientForRegion(factory, 'eu-west-1');
    const s3Like = instrumented(new RDSClient({ region: 'eu-central-1' }));

    expect(wrapped).toEqual([after, s3Like]);
    expect(again).toBe(after);
    expect(wrapped).not.toContain(before);
  });

  it('gives each client made on Lambda the X-Ray instrumentation of the Powertools Tracer', async () => {
    // Prepare: the environment of a traced Lambda invocation, which the tracer reads when it is made.
    vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs24.x');
    vi.stubEnv(
      '_X_AMZN_TRACE_ID',
      'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
    );

    // Act
    await traceAwsClients();
    const client = clientForRegion((region) => new RDSClient({ region }), 'eu-west-1');

    // Assess
    expect(xrayMiddleware(client)).toEqual(['XRaySDKInstrumentation - build']);
    expect(xrayMiddleware(new RDSClient({ region: 'eu-west-1' }))).toEqual([]);
  });
});
