import { pickLocale, type SmsLocale } from '../sms/sms-message.js';

/**
 * Texts of the emails Sesame sends, in the four languages of the SMS texts,
 * each as plain text and HTML. A message carries the app's name and at most
 * one secret (the one-time link or code), which is filled in only when the
 * message is handed to the transport: the outbox keeps it sealed, never in
 * the rendered text.
 */
export type EmailLocale = SmsLocale;

/** The security events a notice tells the account's owner about. */
export const NOTICE_EVENTS = [
  'factor_added',
  'factor_removed',
  'phone_changed',
  'recovery_code_used',
  'mfa_reset',
  'password_changed',
  'password_reset',
  'new_sign_in',
  'email_changed',
  'mfa_enrollment_due',
] as const;
export type NoticeEvent = (typeof NOTICE_EVENTS)[number];

export type EmailContent =
  | { kind: 'password_reset'; minutes: number }
  | { kind: 'email_verification'; minutes: number }
  | { kind: 'email_otp'; minutes: number }
  | { kind: 'security_notice'; event: NoticeEvent; remaining?: number };

export type EmailKind = EmailContent['kind'];

export interface RenderInput {
  appName: string;
  locale: string | null;
  content: EmailContent;
  /** The one-time link (reset, verification) or code (email OTP); absent for notices. */
  secret?: string;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

interface Words {
  resetSubject: string;
  resetIntro: string;
  verifySubject: string;
  verifyIntro: string;
  otpSubject: string;
  otpIntro: string;
  validFor: (minutes: number) => string;
  notMe: string;
  noticeSubject: string;
  noticeFooter: string;
  notices: Record<NoticeEvent, (remaining?: number) => string>;
}

const WORDS: Record<EmailLocale, Words> = {
  en: {
    resetSubject: 'Reset your password',
    resetIntro: 'Someone asked to reset the password of your account. To choose a new one, open this link:',
    verifySubject: 'Confirm your email address',
    verifyIntro: 'To confirm that this address is yours, open this link:',
    otpSubject: 'Your sign-in code',
    otpIntro: 'Your sign-in code is:',
    validFor: (m) => `It is valid for ${m} minutes and works once.`,
    notMe: 'If this was not you, ignore this email; nothing changes. Never share this link or code with anyone.',
    noticeSubject: 'Security notice',
    noticeFooter: 'If this was not you, reset your password and contact support immediately.',
    notices: {
      factor_added: () => 'A new second factor was added to your account.',
      factor_removed: () => 'A second factor was removed from your account.',
      phone_changed: () => 'The phone number of your account was changed.',
      recovery_code_used: (n) => `A recovery code was used to sign in to your account. ${n ?? 0} recovery codes remain.`,
      mfa_reset: () => 'Two-step verification on your account was reset by an administrator.',
      password_changed: () => 'The password of your account was changed. Your other sessions were signed out.',
      password_reset: () => 'The password of your account was reset. Every session was signed out.',
      new_sign_in: () => 'Your account was signed in to from a device we had not seen before.',
      mfa_enrollment_due: (n) => `Your account will need two-step verification in ${n ?? 0} days. Sign in and set up a second factor before then to keep access.`,
      email_changed: () => 'The email address of your account was changed; this address no longer receives its mail.',
    },
  },
  es: {
    resetSubject: 'Restablece tu contraseña',
    resetIntro: 'Alguien ha pedido restablecer la contraseña de tu cuenta. Para elegir una nueva, abre este enlace:',
    verifySubject: 'Confirma tu dirección de correo',
    verifyIntro: 'Para confirmar que esta dirección es tuya, abre este enlace:',
    otpSubject: 'Tu código de acceso',
    otpIntro: 'Tu código de acceso es:',
    validFor: (m) => `Es válido durante ${m} minutos y funciona una sola vez.`,
    notMe: 'Si no has sido tú, ignora este correo; no cambia nada. Nunca compartas este enlace o código con nadie.',
    noticeSubject: 'Aviso de seguridad',
    noticeFooter: 'Si no has sido tú, restablece tu contraseña y contacta con soporte de inmediato.',
    notices: {
      factor_added: () => 'Se ha añadido un nuevo segundo factor a tu cuenta.',
      factor_removed: () => 'Se ha eliminado un segundo factor de tu cuenta.',
      phone_changed: () => 'Se ha cambiado el teléfono de tu cuenta.',
      recovery_code_used: (n) => `Se ha usado un código de recuperación para entrar en tu cuenta. Quedan ${n ?? 0} códigos.`,
      mfa_reset: () => 'Un administrador ha restablecido la verificación en dos pasos de tu cuenta.',
      password_changed: () => 'Se ha cambiado la contraseña de tu cuenta. Se han cerrado tus otras sesiones.',
      password_reset: () => 'Se ha restablecido la contraseña de tu cuenta. Se han cerrado todas las sesiones.',
      new_sign_in: () => 'Se ha iniciado sesión en tu cuenta desde un dispositivo nuevo.',
      mfa_enrollment_due: (n) => `Tu cuenta necesitará la verificación en dos pasos dentro de ${n ?? 0} días. Inicia sesión y configura un segundo factor antes para no perder el acceso.`,
      email_changed: () => 'Se ha cambiado la dirección de correo de tu cuenta; esta dirección ya no recibe sus mensajes.',
    },
  },
  fr: {
    resetSubject: 'Réinitialisez votre mot de passe',
    resetIntro: "Quelqu'un a demandé à réinitialiser le mot de passe de votre compte. Pour en choisir un nouveau, ouvrez ce lien :",
    verifySubject: 'Confirmez votre adresse e-mail',
    verifyIntro: 'Pour confirmer que cette adresse est la vôtre, ouvrez ce lien :',
    otpSubject: 'Votre code de connexion',
    otpIntro: 'Votre code de connexion est :',
    validFor: (m) => `Il est valable ${m} minutes et ne sert qu'une fois.`,
    notMe: "Si ce n'est pas vous, ignorez cet e-mail ; rien ne change. Ne communiquez jamais ce lien ou ce code à personne.",
    noticeSubject: 'Alerte de sécurité',
    noticeFooter: "Si ce n'est pas vous, réinitialisez votre mot de passe et contactez le support immédiatement.",
    notices: {
      factor_added: () => 'Un nouveau second facteur a été ajouté à votre compte.',
      factor_removed: () => 'Un second facteur a été retiré de votre compte.',
      phone_changed: () => 'Le numéro de téléphone de votre compte a été modifié.',
      recovery_code_used: (n) => `Un code de secours a servi à vous connecter. Il vous reste ${n ?? 0} codes.`,
      mfa_reset: () => 'La validation en deux étapes de votre compte a été réinitialisée par un administrateur.',
      password_changed: () => 'Le mot de passe de votre compte a été modifié. Vos autres sessions ont été fermées.',
      password_reset: () => 'Le mot de passe de votre compte a été réinitialisé. Toutes les sessions ont été fermées.',
      new_sign_in: () => 'Une connexion à votre compte a eu lieu depuis un appareil inconnu.',
      mfa_enrollment_due: (n) => `Votre compte exigera la validation en deux étapes dans ${n ?? 0} jours. Connectez-vous et configurez un second facteur avant cette date pour garder l’accès.`,
      email_changed: () => "L'adresse e-mail de votre compte a été modifiée ; cette adresse ne reçoit plus ses messages.",
    },
  },
  de: {
    resetSubject: 'Passwort zurücksetzen',
    resetIntro: 'Jemand hat angefordert, das Passwort Ihres Kontos zurückzusetzen. Um ein neues zu wählen, öffnen Sie diesen Link:',
    verifySubject: 'Bestätigen Sie Ihre E-Mail-Adresse',
    verifyIntro: 'Um zu bestätigen, dass diese Adresse Ihnen gehört, öffnen Sie diesen Link:',
    otpSubject: 'Ihr Anmeldecode',
    otpIntro: 'Ihr Anmeldecode lautet:',
    validFor: (m) => `Er ist ${m} Minuten gültig und funktioniert nur einmal.`,
    notMe: 'Falls Sie das nicht waren, ignorieren Sie diese E-Mail; es ändert sich nichts. Geben Sie diesen Link oder Code niemals weiter.',
    noticeSubject: 'Sicherheitshinweis',
    noticeFooter: 'Falls Sie das nicht waren, setzen Sie Ihr Passwort zurück und wenden Sie sich sofort an den Support.',
    notices: {
      factor_added: () => 'Ihrem Konto wurde ein neuer zweiter Faktor hinzugefügt.',
      factor_removed: () => 'Ein zweiter Faktor wurde von Ihrem Konto entfernt.',
      phone_changed: () => 'Die Telefonnummer Ihres Kontos wurde geändert.',
      recovery_code_used: (n) => `Mit einem Wiederherstellungscode wurde sich bei Ihrem Konto angemeldet. Es bleiben ${n ?? 0} Codes.`,
      mfa_reset: () => 'Die Zwei-Faktor-Authentifizierung Ihres Kontos wurde von einem Administrator zurückgesetzt.',
      password_changed: () => 'Das Passwort Ihres Kontos wurde geändert. Ihre anderen Sitzungen wurden abgemeldet.',
      password_reset: () => 'Das Passwort Ihres Kontos wurde zurückgesetzt. Alle Sitzungen wurden abgemeldet.',
      new_sign_in: () => 'Bei Ihrem Konto wurde sich von einem unbekannten Gerät angemeldet.',
      mfa_enrollment_due: (n) => `Ihr Konto erfordert in ${n ?? 0} Tagen die Zwei-Faktor-Authentifizierung. Melden Sie sich an und richten Sie vorher einen zweiten Faktor ein, um den Zugang zu behalten.`,
      email_changed: () => 'Die E-Mail-Adresse Ihres Kontos wurde geändert; diese Adresse erhält keine Nachrichten mehr dafür.',
    },
  },
};

/** The subject and the paragraphs of one message; `secret` marks where the link or code goes. */
function compose(w: Words, content: EmailContent): { subject: string; lines: Array<string | { secret: true }> } {
  switch (content.kind) {
    case 'password_reset':
      return { subject: w.resetSubject, lines: [w.resetIntro, { secret: true }, w.validFor(content.minutes), w.notMe] };
    case 'email_verification':
      return { subject: w.verifySubject, lines: [w.verifyIntro, { secret: true }, w.validFor(content.minutes), w.notMe] };
    case 'email_otp':
      return { subject: w.otpSubject, lines: [w.otpIntro, { secret: true }, w.validFor(content.minutes), w.notMe] };
    case 'security_notice':
      return { subject: w.noticeSubject, lines: [w.notices[content.event](content.remaining), w.noticeFooter] };
  }
}

export function renderEmail(input: RenderInput): RenderedEmail {
  const words = WORDS[pickLocale(undefined, input.locale)];
  const { subject, lines } = compose(words, input.content);
  const needsSecret = lines.some((l) => typeof l !== 'string');
  if (needsSecret !== (input.secret !== undefined)) throw new RangeError(`email ${input.content.kind}: secret ${needsSecret ? 'missing' : 'unexpected'}`);
  const secret = input.secret ?? '';
  const isLink = /^https?:\/\//.test(secret);
  const text = [...lines.map((l) => (typeof l === 'string' ? l : secret)), '', `— ${input.appName}`].join('\n\n').replace(/\n{3,}/g, '\n\n');
  const paragraphs = lines.map((l) => {
    if (typeof l === 'string') return `<p>${escapeHtml(l)}</p>`;
    return isLink
      ? `<p><a href="${escapeHtml(secret)}">${escapeHtml(secret)}</a></p>`
      : `<p style="font-size:24px;font-weight:bold;letter-spacing:4px">${escapeHtml(secret)}</p>`;
  });
  const html = `<!doctype html><html><body style="font-family:sans-serif"><h1 style="font-size:18px">${escapeHtml(input.appName)}</h1>${paragraphs.join('')}</body></html>`;
  return { subject: `${input.appName}: ${subject}`, text, html };
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
