import { pickLocale, type SmsLocale } from '../sms/sms-message.js';

/**
 * The SMS sent to the account's numbers when its password is reset (the
 * email may be the very channel an attacker took over). Written in the GSM
 * 03.38 alphabet, like every Sesame SMS (sms-message.ts), so it stays cheap.
 */
const PASSWORD_RESET_SMS: Record<SmsLocale, (app: string) => string> = {
  en: (app) => `${app}: The password of your account was reset. If this was not you, contact support immediately.`,
  es: (app) => `${app}: se ha restablecido la clave de tu cuenta. Si no reconoces este cambio, contacta con soporte de inmediato.`,
  fr: (app) => `${app} : le mot de passe de votre compte a été réinitialisé. Si ce n'est pas vous, contactez le support immédiatement.`,
  de: (app) => `${app}: Das Passwort Ihres Kontos wurde zurückgesetzt. Falls Sie das nicht waren, wenden Sie sich sofort an den Support.`,
};

export function buildPasswordResetSms(appName: string, locale: string | null): string {
  return PASSWORD_RESET_SMS[pickLocale(undefined, locale)](appName);
}
