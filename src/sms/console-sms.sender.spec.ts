import { Clock } from '../common/clock.js';
import { ConsoleSmsSender } from './console-sms.sender.js';

class FixedClock extends Clock {
  constructor(public at: Date) {
    super();
  }
  now(): Date {
    return this.at;
  }
}

describe('ConsoleSmsSender', () => {
  const clock = new FixedClock(new Date('2030-01-02T03:04:05Z'));

  it('writes one marked line with destination and text and reports success', async () => {
    const lines: string[] = [];
    const sender = new ConsoleSmsSender((l) => lines.push(l), clock);

    const result = await sender.send({
      to: '+447700900123',
      text: 'Your code is 482913\n\n@auth.example.com #482913',
      reference: 'outbox-1',
    });

    expect(sender.provider).toBe('console');
    expect(result).toEqual({ ok: true, providerMessageId: expect.stringMatching(/^console-[0-9a-f-]{36}$/) });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/DEVELOPMENT ONLY/);
    expect(lines[0]).toContain('+447700900123');
    expect(lines[0]).toContain('482913');
    expect(lines[0]).not.toContain('\n');
  });

  it('keeps the last 50 messages, oldest first', async () => {
    const sender = new ConsoleSmsSender(() => undefined, clock);
    for (let i = 0; i < 60; i++) {
      await sender.send({ to: '+447700900123', text: `code ${i}`, reference: `ref-${i}` });
    }

    const recent = sender.recent();
    expect(recent).toHaveLength(50);
    expect(recent[0]).toEqual({ to: '+447700900123', text: 'code 10', reference: 'ref-10', sentAt: clock.at });
    expect(recent[49]!.reference).toBe('ref-59');
  });

  it('hands out copies, so callers cannot alter the history', async () => {
    const sender = new ConsoleSmsSender(() => undefined, clock);
    await sender.send({ to: '+447700900123', text: 'code', reference: 'ref' });

    sender.recent()[0]!.text = 'tampered';
    sender.recent().pop();

    expect(sender.recent()).toEqual([expect.objectContaining({ text: 'code' })]);
  });

  it('generates a distinct id per message', async () => {
    const sender = new ConsoleSmsSender(() => undefined, clock);
    const a = await sender.send({ to: '+1', text: 'a', reference: 'a' });
    const b = await sender.send({ to: '+1', text: 'b', reference: 'b' });

    expect(a.ok && b.ok && a.providerMessageId !== b.providerMessageId).toBe(true);
  });
});
