/**
 * Password rules of NIST SP 800-63B §5.1.1.2 and ASVS 2.1: 8 to 128
 * characters, no composition rules, and not one of the most common passwords.
 */
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

// The most common passwords of at least 8 characters from public breach
// corpora (the shorter ones are refused by the length rule already).
const COMMON = new Set(
  `12345678 123456789 1234567890 password password1 password123 passw0rd qwertyuiop qwerty123 qwerty12 1q2w3e4r
  1q2w3e4r5t 1qaz2wsx iloveyou1 11111111 00000000 88888888 12341234 87654321 abcd1234 abc12345 abcdefgh
  sunshine1 princess1 football1 baseball1 welcome1 welcome123 letmein1 superman1 starwars1 trustno1 dragon12
  monkey123 master123 michael1 shadow123 jennifer1 computer1 whatever1 zaq12wsx asdfghjkl asdf1234 123123123
  123qweasd qweasdzxc 987654321 11223344 12121212 changeme changeme1 administrator admin123 admin1234 p@ssw0rd
  p@ssword password! password12 password1234 passwort iloveyou123 qwertyui 1234qwer q1w2e3r4 q1w2e3r4t5
  football baseball sunshine princess welcome! superman starwars whatever computer michelle jordan23
  qwerty1234 1qazxsw2 aaaaaaaa zxcvbnm1 zxcvbnm123 123456789a 123456abc a1234567 a12345678 default1
  letmein123 secret123 mypassword hello123 hello1234 loveyou1 charlie1 access14 mustang1 internet`
    .split(/\s+/)
    .filter(Boolean),
);

export function passwordProblem(password: string): string | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN) return `must be at least ${PASSWORD_MIN} characters`;
  if (length > PASSWORD_MAX) return `must be at most ${PASSWORD_MAX} characters`;
  if (COMMON.has(password.toLowerCase())) return 'is too common; choose another';
  return null;
}
