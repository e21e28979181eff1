// The group page's zone naming (routing/static/admin/routing/group/time_zone.js).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');

const tz = require(path.join(__dirname, '../../routing/static/admin/routing/group/time_zone.js'));

test('the picked zone goes into the translated text', () => {
  assert.equal(tz.zoneText('Working hours (%(zone)s time)', 'Asia/Tokyo'), 'Working hours (Asia/Tokyo time)');
  assert.equal(tz.zoneText('Часы работы (по времени %(zone)s)', 'UTC'), 'Часы работы (по времени UTC)');
  assert.equal(tz.zoneText(null, 'UTC'), '');
});
