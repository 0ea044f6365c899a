// The configuration as the Lambda functions read it: the build's validated
// JSON (src/config/shipped.ts), parsed through the same schema.
import { describe, expect, it } from 'vitest';
import { DEMO_CONFIG_PATH, loadConfig } from '../../../src/config/load.ts';
import { parseShippedConfig, shippedConfigText } from '../../../src/config/shipped.ts';
import { ConfigError } from '../../../src/domain/errors.ts';

describe('the shipped configuration', () => {
  it('reads back as the configuration the build validated, defaults included', () => {
    // Given the demo configuration as the build validates it;
    const config = loadConfig(DEMO_CONFIG_PATH).config;
    // when it is shipped and read back;
    const read = parseShippedConfig(shippedConfigText(config), 'dist/config.json');
    // then it is the same configuration.
    expect(read).toEqual(config);
    expect(read.retention.days).toBe(config.retention.days);
  });

  it('refuses a file that is not JSON, naming the file', () => {
    const read = () => parseShippedConfig('sourceRegion: eu-west-1', 'dist/config.json');
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(/^dist\/config\.json: not valid JSON/);
  });

  it('refuses JSON the schema rejects, naming the field', () => {
    // Given a shipped configuration edited after the build;
    const config = loadConfig(DEMO_CONFIG_PATH).config;
    const edited = JSON.stringify({ ...config, retention: { ...config.retention, days: 0 } });
    // then reading it fails with the field that is wrong.
    expect(() => parseShippedConfig(edited, 'dist/config.json')).toThrow(ConfigError);
    expect(() => parseShippedConfig(edited, 'dist/config.json')).toThrow(/retention\.days/);
  });
});
