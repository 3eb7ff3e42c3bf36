import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Factor } from '../../factor.entity.js';

/** WebAuthn L3 §6.1.3: the BE flag, fixed for the life of a credential. */
export type CredentialDeviceType = 'singleDevice' | 'multiDevice';

/** Postgres bigint arrives as a string; a signature counter is a uint32 (WebAuthn §6.1), so a number holds it exactly. */
const uint32Column = { to: (value: number) => value, from: (value: string | null) => (value === null ? null : Number(value)) };

/**
 * The public-key credential behind one WebAuthn factor (WebAuthn L3 §4
 * "Credential Record"). Nothing here is secret: the private key never leaves
 * the authenticator.
 */
@Entity({ name: 'webauthn_credentials' })
@Index('webauthn_credentials_credential_id_key', ['credentialId'], { unique: true })
export class WebauthnCredential {
  /** One credential per factor: the primary key is the factor's id, so removing the factor removes the key. */
  @PrimaryColumn({ type: 'uuid', name: 'factor_id' })
  factorId: string;

  @ManyToOne(() => Factor, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'factor_id' })
  factor?: Factor;

  /** The credential ID, base64url; unique across all users (WebAuthn §7.1). */
  @Column({ type: 'text', name: 'credential_id' })
  credentialId: string;

  /** The credential public key as a COSE_Key (RFC 9052 §7), exactly as the authenticator sent it. */
  @Column({ type: 'bytea', name: 'public_key' })
  publicKey: Buffer;

  /** The last signature counter seen (WebAuthn §6.1.1); an assertion must move it forward unless both are 0. */
  @Column({ type: 'bigint', transformer: uint32Column })
  counter: number;

  /** Hints for the client in allowCredentials/excludeCredentials (WebAuthn §5.8.4). */
  @Column({ type: 'text', array: true })
  transports: string[];

  @Column({ type: 'text', name: 'device_type' })
  deviceType: CredentialDeviceType;

  /** The BS flag as last reported: a synced passkey is backed up. */
  @Column({ type: 'boolean', name: 'backed_up' })
  backedUp: boolean;

  /** The authenticator model (all zeros under `none` attestation, WebAuthn §8.7). */
  @Column({ type: 'text' })
  aaguid: string;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;
}
