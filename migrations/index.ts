import { Foundation1795870449320 } from './1795870449320-Foundation.js';
import { SmsFactor1795871192151 } from './1795871192151-SmsFactor.js';
import { MfaPolicyVersions1795872000000 } from './1795872000000-MfaPolicyVersions.js';
import { TotpAndRecoveryCodes1795873000000 } from './1795873000000-TotpAndRecoveryCodes.js';
import { WebauthnFactor1795874000000 } from './1795874000000-WebauthnFactor.js';
import { SmsBudgetIndex1795875000000 } from './1795875000000-SmsBudgetIndex.js';
import { AtomicCounters1795876000000 } from './1795876000000-AtomicCounters.js';
import { SupersededCodeHash1795877000000 } from './1795877000000-SupersededCodeHash.js';
import { PasswordAttemptBudgets1795878000000 } from './1795878000000-PasswordAttemptBudgets.js';
import { UserGroups1796181400000 } from './1796181400000-UserGroups.js';
import { PolicyVersionRestoredFrom1796181401000 } from './1796181401000-PolicyVersionRestoredFrom.js';
import { EnrollmentGrace1796181402000 } from './1796181402000-EnrollmentGrace.js';

/**
 * Migrations in the order they run (TypeORM also orders them by the
 * timestamp in their names). `npm run migration:generate -- Name` writes a
 * new file and appends it here; landed migrations are never edited.
 */
export const MIGRATIONS: Function[] = [
  Foundation1795870449320,
  SmsFactor1795871192151,
  MfaPolicyVersions1795872000000,
  TotpAndRecoveryCodes1795873000000,
  WebauthnFactor1795874000000,
  SmsBudgetIndex1795875000000,
  AtomicCounters1795876000000,
  SupersededCodeHash1795877000000,
  PasswordAttemptBudgets1795878000000,
  UserGroups1796181400000,
  PolicyVersionRestoredFrom1796181401000,
  EnrollmentGrace1796181402000,
];
