/**
 * The screens' one clock (issue #18): dates typed and grouped on screen (incident times, the restore calendar's
 * days) follow the clinic's time zone from settings, whatever the zone of the computer showing them. The process
 * runs in Tokyo here; the clinic is in São Paulo (and, for a zone with summer time, New York).
 */
process.env['TZ'] = 'Asia/Tokyo';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clinicDayKey, fromClinicInput, setClinicTimeZone, toClinicInput } from '../../renderer/src/i18n/clock.js';

describe('the clinic clock of the screens', () => {
  it('reads and writes a typed date and time on the clinic clock, not the computer one', () => {
    assert.equal(new Date('2026-03-10T17:30:00Z').getHours(), 2, 'the process really is in Tokyo (UTC+9)');
    setClinicTimeZone('America/Sao_Paulo');
    assert.equal(fromClinicInput('2026-03-10T14:30'), '2026-03-10T17:30:00.000Z');
    assert.equal(toClinicInput('2026-03-10T17:30:00.000Z'), '2026-03-10T14:30');
    assert.equal(fromClinicInput(''), null);
    // 22:00 in São Paulo is already the next morning in Tokyo: the backup belongs to the clinic's day.
    assert.equal(clinicDayKey(new Date('2026-03-11T01:00:00Z')), '2026-03-10');
    setClinicTimeZone('America/New_York');
    assert.equal(fromClinicInput('2026-03-07T12:00'), '2026-03-07T17:00:00.000Z', 'winter time, UTC-5');
    assert.equal(fromClinicInput('2026-03-08T12:00'), '2026-03-08T16:00:00.000Z', 'summer time from that morning, UTC-4');
    assert.equal(toClinicInput(fromClinicInput('2026-07-01T09:15')), '2026-07-01T09:15');
  });
});
