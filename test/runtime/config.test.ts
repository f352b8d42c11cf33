import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../../templates/runtime/config.js';

describe('configuration', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 9926,
      host: '127.0.0.1',
      dataDir: './data',
      maxBodyBytes: 10 * 1024 * 1024,
      maxUrlLength: 8192,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      shutdownTimeoutMs: 10_000,
      recordCacheSize: 10_000,
      corsOrigins: null,
    });
  });

  it('reads every variable from the environment', () => {
    const config = loadConfig({
      PORT: '0',
      HOST: '0.0.0.0',
      DATA_DIR: '/var/lib/app',
      MAX_BODY_BYTES: '1024',
      MAX_URL_LENGTH: '100',
      HEADERS_TIMEOUT_MS: '500',
      REQUEST_TIMEOUT_MS: '600',
      KEEP_ALIVE_TIMEOUT_MS: '700',
      SHUTDOWN_TIMEOUT_MS: '0',
      RECORD_CACHE_SIZE: '0',
      CORS_ORIGINS: 'https://a.example, https://b.example',
    });
    expect(config).toMatchObject({
      port: 0,
      host: '0.0.0.0',
      dataDir: '/var/lib/app',
      maxBodyBytes: 1024,
      maxUrlLength: 100,
      headersTimeoutMs: 500,
      requestTimeoutMs: 600,
      keepAliveTimeoutMs: 700,
      shutdownTimeoutMs: 0,
      recordCacheSize: 0,
      corsOrigins: ['https://a.example', 'https://b.example'],
    });
    expect(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins).toEqual(['*']);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', CORS_ORIGINS: ' ' })).toMatchObject({
      port: 9926,
      corsOrigins: null,
    });
  });

  it('reports every invalid variable at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: '70000', MAX_BODY_BYTES: '10mb', KEEP_ALIVE_TIMEOUT_MS: '-1' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(
      /PORT.*"70000"[\s\S]*MAX_BODY_BYTES.*"10mb"[\s\S]*KEEP_ALIVE_TIMEOUT_MS.*"-1"/,
    );
  });

  it('refuses a header timeout longer than the request timeout', () => {
    expect(() => loadConfig({ HEADERS_TIMEOUT_MS: '5000', REQUEST_TIMEOUT_MS: '1000' })).toThrow(
      /HEADERS_TIMEOUT_MS/,
    );
  });

  it('documents every variable it reads, with its default', () => {
    const names = CONFIG_VARIABLES.map((variable) => variable.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'PORT',
        'HOST',
        'DATA_DIR',
        'MAX_BODY_BYTES',
        'MAX_URL_LENGTH',
        'HEADERS_TIMEOUT_MS',
        'REQUEST_TIMEOUT_MS',
        'KEEP_ALIVE_TIMEOUT_MS',
        'SHUTDOWN_TIMEOUT_MS',
        'RECORD_CACHE_SIZE',
        'CORS_ORIGINS',
      ]),
    );
    for (const variable of CONFIG_VARIABLES)
      expect(variable.description.length).toBeGreaterThan(10);
    // The documented defaults are the ones the loader applies.
    const fromDefaults = loadConfig(
      Object.fromEntries(CONFIG_VARIABLES.map((v) => [v.name, v.default])),
    );
    expect(fromDefaults).toEqual(loadConfig({}));
  });
});
