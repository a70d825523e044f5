// The files that belong to one database besides SQLite's own (-wal, -shm): moved, backed up and
// restored together with it.

/** The audit trail's signed head (services/audit.ts): where the trail ended when last written. */
export const auditHeadFile = (dbFile: string) => `${dbFile}.audit-head`;
