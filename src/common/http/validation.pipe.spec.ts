import { firstUnacceptableInput } from './validation.pipe.js';

describe('firstUnacceptableInput', () => {
  it('accepts text Postgres can store, surrogate pairs included', () => {
    expect(firstUnacceptableInput({ email: 'ada@example.com', label: 'Ω 😀 \u202e', n: 1, list: ['a', null, true] }, '')).toBeNull();
    expect(firstUnacceptableInput('x\ud83d\ude00y', 'id')).toBeNull();
    expect(firstUnacceptableInput(undefined, '')).toBeNull();
  });

  it('names the field holding a NUL or a lone surrogate, however deep', () => {
    expect(firstUnacceptableInput({ email: 'a\u0000b' }, '')).toEqual({ field: 'email', message: 'must not contain NUL characters' });
    expect(firstUnacceptableInput({ credential: { response: { id: 'x\ud800' } } }, '')).toEqual({
      field: 'credential.response.id',
      message: 'must be well-formed Unicode (no lone surrogates)',
    });
    expect(firstUnacceptableInput({ allowedFactors: ['sms', 'totp', '\udc00'] }, '')?.field).toBe('allowedFactors[2]');
    expect(firstUnacceptableInput('a\u0000', 'id')?.field).toBe('id');
    expect(firstUnacceptableInput('a\u0000', '')?.field).toBe('body');
  });

  it('refuses such characters in field names, without echoing them', () => {
    expect(firstUnacceptableInput({ 'e\u0000mail': 'a' }, '')).toEqual({ field: 'e\ufffdmail', message: 'must not contain NUL characters in its name' });
  });

  it('refuses prototype-polluting names, which class-transformer would drop unseen', () => {
    expect(firstUnacceptableInput(JSON.parse('{"__proto__": {"roles": ["admin"]}}'), '')).toEqual({ field: '__proto__', message: 'is not allowed' });
    expect(firstUnacceptableInput({ a: { constructor: { prototype: {} } } }, '')?.field).toBe('a.constructor');
    expect(firstUnacceptableInput({ phone: '+447400123456', toString: true }, '')).toEqual({ field: 'toString', message: 'is not allowed' });
    expect(firstUnacceptableInput({ valueOf: 1 }, '')?.field).toBe('valueOf');
  });

  it('walks deep nesting without exhausting the stack', () => {
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(firstUnacceptableInput(deep, '')?.message).toBe('must not contain NUL characters');
  });
});
