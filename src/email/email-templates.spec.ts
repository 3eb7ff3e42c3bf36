import { NOTICE_EVENTS, renderEmail, type EmailContent } from './email-templates.js';

const LOCALES = ['en', 'es', 'fr', 'de'] as const;
const WITH_SECRET: EmailContent[] = [
  { kind: 'password_reset', minutes: 30 },
  { kind: 'email_verification', minutes: 60 },
  { kind: 'email_otp', minutes: 10 },
];

describe('email templates', () => {
  it.each(LOCALES)('render every message in %s, as text and HTML, with the app name', (locale) => {
    const seen = new Set<string>();
    for (const content of WITH_SECRET) {
      const secret = content.kind === 'email_otp' ? '482913' : 'https://app.example.com/reset-password#token=abc';
      const mail = renderEmail({ appName: 'Acme ID', locale, content, secret });
      expect(mail.subject.startsWith('Acme ID: ')).toBe(true);
      expect(mail.text).toContain(secret);
      expect(mail.text).toContain('Acme ID');
      expect(mail.html).toContain('Acme ID');
      expect(mail.html).toContain(content.kind === 'email_otp' ? '482913' : 'href="https://app.example.com/reset-password#token=abc"');
      seen.add(mail.subject);
    }
    for (const event of NOTICE_EVENTS) {
      const mail = renderEmail({ appName: 'Acme ID', locale, content: { kind: 'security_notice', event, remaining: 7 } });
      expect(mail.text.length).toBeGreaterThan(40);
      if (event === 'recovery_code_used') expect(mail.text).toContain('7');
    }
    expect(seen.size).toBe(WITH_SECRET.length);
  });

  it('speaks the language asked for, and English otherwise', () => {
    const subject = (locale: string | null) => renderEmail({ appName: 'S', locale, content: { kind: 'email_otp', minutes: 5 }, secret: '123456' }).subject;
    expect(subject('fr-CA')).toBe('S: Votre code de connexion');
    expect(subject('de')).toBe('S: Ihr Anmeldecode');
    expect(subject('es-MX')).toBe('S: Tu código de acceso');
    expect(subject('ja')).toBe('S: Your sign-in code');
    expect(subject(null)).toBe('S: Your sign-in code');
  });

  it('escapes HTML in the app name and the link', () => {
    const mail = renderEmail({ appName: '<b>&Co', locale: 'en', content: { kind: 'password_reset', minutes: 30 }, secret: 'https://x.example/"><script>' });
    expect(mail.html).not.toContain('<b>&Co');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;b&gt;&amp;Co');
  });

  it('refuses a notice with a secret and a code message without one', () => {
    expect(() => renderEmail({ appName: 'S', locale: 'en', content: { kind: 'security_notice', event: 'mfa_reset' }, secret: 'x' })).toThrow(RangeError);
    expect(() => renderEmail({ appName: 'S', locale: 'en', content: { kind: 'email_otp', minutes: 5 } })).toThrow(RangeError);
  });
});
