/**
 * @module
 * A second process holding the database's write lock: opens the file, takes BEGIN IMMEDIATE,
 * prints "locked", holds it for argv[3] milliseconds, then rolls back and exits. What another
 * tool (a backup, an operator's sqlite3 shell, a second bridge by mistake) does to a running bridge.
 *
 * @example
 *   node --import tsx test/faults/hold-write-lock.ts /path/runbridge.db 3000
 */
import Database from "better-sqlite3";

const [file, holdMs] = process.argv.slice(2);
if (!file || !holdMs) throw new Error("usage: hold-write-lock.ts <database file> <milliseconds>");
const db = new Database(file);
db.pragma("busy_timeout = 10000");
db.exec("BEGIN IMMEDIATE");
process.stdout.write("locked\n");
setTimeout(() => {
  db.exec("ROLLBACK");
  db.close();
  process.stdout.write("released\n");
}, Number(holdMs));
