/** The public surface of src/scheduler: the only file other modules import (ARCHITECTURE.md §3). */
export { sleepOn, systemClock } from './clock.js';
export type { Clock, Timer } from './clock.js';
export { describeSchedule, nextRunAt, nextRunInfo } from './nextRunAt.js';
export { JobRunner } from './runner.js';
export type { Job, RunnerEvent } from './runner.js';
export { acquireSchedulerLock, isProcessAlive, schedulerLockPath, schedulerState } from './schedulerLock.js';
