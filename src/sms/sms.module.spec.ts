import type { AppRuntime } from '../app-runtime.js';
import { loadConfig } from '../config/app-config.js';
import { ConsoleSmsSender } from './console-sms.sender.js';
import { DevSmsController } from './dev-sms.controller.js';
import { SmsModule, createSmsSenders } from './sms.module.js';
import { VonageSmsSender } from './vonage-sms.sender.js';

function runtime(env: Record<string, string>): AppRuntime {
  return { config: loadConfig(env), keys: null as never, databaseUrl: 'postgres://unused' };
}

const vonage = {
  SMS_PROVIDER: 'vonage',
  VONAGE_API_KEY: 'key',
  VONAGE_API_SECRET: 'api-secret',
  VONAGE_FROM: 'Sesame',
};

describe('SmsModule', () => {
  it('serves GET /dev/sms with the console sender when NODE_ENV=development is set', () => {
    const dev = runtime({ NODE_ENV: 'development' });
    expect(createSmsSenders(dev)[0]).toBeInstanceOf(ConsoleSmsSender);
    expect(SmsModule.register(dev).controllers).toContain(DevSmsController);
  });

  it('does not serve GET /dev/sms in tests, where the console sender drops the codes', () => {
    const test = runtime({ NODE_ENV: 'test' });
    expect(createSmsSenders(test)[0]).toBeInstanceOf(ConsoleSmsSender);
    expect(SmsModule.register(test).controllers).not.toContain(DevSmsController);
  });

  it('does not serve GET /dev/sms with a real provider, whatever NODE_ENV says', () => {
    for (const env of [vonage, { NODE_ENV: 'development', ...vonage }]) {
      expect(createSmsSenders(runtime(env))[0]).toBeInstanceOf(VonageSmsSender);
      expect(SmsModule.register(runtime(env)).controllers).not.toContain(DevSmsController);
    }
  });
});
