/** People and incidents as they cross the contract (src/shared/contract.ts re-exports them). */

/** SOP-019 §4 roles: the clinic's responsible, the IT helper, the DPO (encarregado, LGPD), and who else to call. */
export type ContactRole = 'owner' | 'it' | 'dpo' | 'fhirVendor' | 'cloudProvider' | 'support';

export interface ContactEntry {
  readonly role: ContactRole;
  readonly name: string;
  readonly phone?: string | null;
  readonly email?: string | null;
}

/** Who to call and where the printed recovery kit is kept (printed in the DR plan). */
export interface PeopleSettings {
  readonly contacts: readonly ContactEntry[];
  readonly kitLocation: string | null;
}

/** An incident as the clinic records it (LGPD: what happened, when it was discovered, data affected, ANPD notice). */
export interface IncidentInput {
  readonly title: string;
  readonly description?: string;
  /** ISO time the clinic discovered it: the ANPD's 3-business-day clock starts here. */
  readonly discoveredAt: string;
  readonly occurredAt?: string | null;
  /** What personal data was affected (categories, how many patients): no patient data itself. */
  readonly dataAffected?: string;
  readonly anpdNotifiedAt?: string | null;
  readonly holdersNotifiedAt?: string | null;
  readonly closedAt?: string | null;
}

export interface IncidentView {
  readonly id: number;
  readonly title: string;
  readonly description: string;
  readonly discoveredAt: string;
  readonly occurredAt: string | null;
  readonly dataAffected: string;
  readonly anpdNotifiedAt: string | null;
  readonly holdersNotifiedAt: string | null;
  readonly closedAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** When the ANPD must have been told (3 business days after discovery, in the clinic's time zone). */
  readonly anpdDeadline: string;
  /** Still to tell the ANPD, and the deadline has passed. */
  readonly anpdOverdue: boolean;
  /** Business days left to tell the ANPD (0 on the last day; negative when late); null once told. */
  readonly anpdBusinessDaysLeft: number | null;
}
