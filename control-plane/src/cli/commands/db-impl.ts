/**
 * What `openase db …` and `openase backup` run, loaded only when one of them runs (cli/commands/db.ts):
 * the database drivers and the transfer code stay out of the CLI's entry (a client command starts without
 * them).
 */
export { openDatabase } from '../../db/database.js';
export { exportLines } from '../../db/transfer/dump.js';
export { importLines } from '../../db/transfer/load.js';
export { readExportFile, writeExportFile } from '../../db/transfer/files.js';
export { moveDatabase } from '../../db/transfer/move.js';
export { backupDatabase } from '../../db/transfer/backup.js';
export { secretKeyFingerprints } from '../../secrets/cipher.js';
