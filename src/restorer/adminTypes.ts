/**
 * Server administration resources (issue 14 §6): types a FHIR server exports about itself, not about patients —
 * projects, memberships, users, client applications (with their secrets), bots, access policies. They are kept
 * (encrypted) in the backup like everything else, but a restore leaves them out unless asked: writing them into
 * another server is rarely allowed (a project administrator may not write the server's shared Project) and
 * rarely wanted (it would copy logins and client secrets).
 *
 * Per server family; none of these names is an R4 resource type, so a type of one family never hides clinical
 * data of another.
 */
export const ADMINISTRATION_TYPES: Readonly<Record<string, readonly string[]>> = {
  medplum: [
    'AccessPolicy',
    'Agent',
    'AsyncJob',
    'Bot',
    'BulkDataExport',
    'ClientApplication',
    'DomainConfiguration',
    'IdentityProvider',
    'JsonWebKey',
    'Login',
    'PasswordChangeRequest',
    'Project',
    'ProjectMembership',
    'SmartAppLaunch',
    'User',
    'UserConfiguration',
    'UserSecurityRequest',
  ],
  aidbox: ['Client', 'AidboxConfig', 'AidboxProfile', 'Session', 'AuthConfig', 'TokenIntrospector'],
};

const ALL = new Set(Object.values(ADMINISTRATION_TYPES).flat());

/** True for a server-administration type of any known family. */
export function isAdministrationType(type: string): boolean {
  return ALL.has(type);
}
