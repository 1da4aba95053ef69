/**
 * Runs `migrate` on a repository and kills its own process with SIGKILL at a named step (kill -9 at a known
 * point). Usage: node --import tsx test/support/migrateChild.ts REPO PASSWORD STEP
 */
import { LocalBackend } from '../../src/backend/local/localBackend.js';
import { migrateRepository } from '../../src/archiver/migrate.js';
import { Repository } from '../../src/repository/repository.js';

const [root, passphrase, killAt] = process.argv.slice(2) as [string, string, string];
const repo = await Repository.open(await LocalBackend.open(root), { passphrase });
const lock = await repo.lock('exclusive', 'migrate');
await migrateRepository(repo, {
  onStep: (step) => {
    if (step === killAt) process.kill(process.pid, 'SIGKILL');
  },
});
await lock.release();
process.exit(0);
