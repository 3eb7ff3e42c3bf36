import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDotEnv } from './dotenv.js';

describe('loadDotEnv', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sesame-dotenv-'));
    file = join(dir, '.env');
    await writeFile(
      file,
      ['# a comment', 'PORT=4000', 'APP_NAME="Sesame Dev"', 'LOG_LEVEL=debug', 'EMPTY=', 'export_me=1', ''].join('\n'),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the file in development, without overriding a variable the environment already has', () => {
    const env: NodeJS.ProcessEnv = { NODE_ENV: 'development', PORT: '3000', EMPTY: '' };
    expect(loadDotEnv(env, file)).toEqual({ file, loaded: ['APP_NAME', 'LOG_LEVEL', 'export_me'] });
    expect(env).toEqual({
      NODE_ENV: 'development',
      PORT: '3000',
      EMPTY: '',
      APP_NAME: 'Sesame Dev',
      LOG_LEVEL: 'debug',
      export_me: '1',
    });
  });

  it.each([['production'], ['test'], [undefined]])('leaves the environment alone with NODE_ENV=%s', (nodeEnv) => {
    const env: NodeJS.ProcessEnv = nodeEnv ? { NODE_ENV: nodeEnv } : {};
    expect(loadDotEnv(env, file)).toBeNull();
    expect(env).toEqual(nodeEnv ? { NODE_ENV: nodeEnv } : {});
  });

  it('is a no-op when there is no .env', () => {
    const env: NodeJS.ProcessEnv = { NODE_ENV: 'development' };
    expect(loadDotEnv(env, join(dir, 'missing.env'))).toBeNull();
    expect(env).toEqual({ NODE_ENV: 'development' });
  });

  it('reports a .env it cannot read rather than ignoring it', () => {
    expect(() => loadDotEnv({ NODE_ENV: 'development' }, dir)).toThrow(/EISDIR/);
  });
});
